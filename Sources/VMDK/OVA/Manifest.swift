import Hashing

/// An OVF manifest (`.mf`): one `ALGORITHM(name)= hexdigest` line per file.
///
/// The accepted syntax is virt-v2v's: optional whitespace before `(` and `=`, exactly
/// one space after `=`, an optional trailing CR; so both ovftool's `SHA256(x.vmdk)= …` and
/// `sha1sum --tag`'s `SHA1 (x.vmdk) = …` parse. Lines that do not parse are reported as
/// warnings and skipped, as virt-v2v does.
struct Manifest: Sendable {
    struct Entry: Sendable {
        let algorithm: HashAlgorithm
        let digest: String
        let line: Int
    }

    let entries: [String: Entry]
    let warnings: [String]

    init(_ bytes: [UInt8], path: String) throws(VMDKError) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw VMDKError(.badArchive, file: path, "manifest is not UTF-8 text")
        }
        var entries: [String: Entry] = [:]
        var warnings: [String] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.isEmpty { continue }
            guard let entry = Self.parse(line, lineNumber: number + 1) else {
                warnings.append("\(path): unable to parse manifest line \(number + 1): \(line.prefix(100))")
                continue
            }
            if let previous = entries[entry.name], previous.digest != entry.entry.digest {
                throw VMDKError(
                    .badArchive, file: path, field: "line \(number + 1)",
                    "manifest lists \"\(entry.name)\" twice with different digests")
            }
            entries[entry.name] = entry.entry
        }
        self.entries = entries
        self.warnings = warnings
    }

    private static func parse(_ line: Substring, lineNumber: Int) -> (name: String, entry: Entry)? {
        guard let algorithm = HashAlgorithm.allCases.first(where: { line.hasPrefix($0.rawValue) }) else { return nil }
        var rest = line.dropFirst(algorithm.rawValue.count)
        rest = rest.drop { $0 == " " || $0 == "\t" }
        guard rest.first == "(", let close = rest.lastIndex(of: ")") else { return nil }
        let name = String(rest[rest.index(after: rest.startIndex)..<close])
        var tail = rest[rest.index(after: close)...]
        tail = tail.drop { $0 == " " || $0 == "\t" }
        guard tail.hasPrefix("= ") else { return nil }
        let digest = tail.dropFirst(2)
        guard digest.count == algorithm.size * 2, digest.allSatisfy(\.isHexDigit), !name.isEmpty else { return nil }
        return (name, Entry(algorithm: algorithm, digest: digest.lowercased(), line: lineNumber))
    }
}

extension Manifest {
    /// Compares each of `members` with `manifest` (nil: the archive has none), in one
    /// wording for the OVA read in place and the OVA read in one pass. `digest` gives a
    /// member's actual digest in an algorithm (nil if it cannot: the member then counts
    /// as not covered). Returns a one-line status
    /// for ``ArchiveInfo``; throws `.manifestMismatch` on the first wrong digest.
    static func verify(
        _ manifest: Manifest?, folder: String, members: [String], archive path: String, warnings: inout [String],
        digest: (String, HashAlgorithm) throws(VMDKError) -> String?
    ) throws(VMDKError) -> String {
        guard let manifest else {
            warnings.append("\(path): no manifest (.mf) in the OVA; disk integrity is not verified")
            return "not verified: no manifest"
        }
        var algorithms: Set<String> = []
        var unlisted: [String] = []
        for name in members {
            guard let entry = manifest.entry(for: name, folder: folder) else {
                unlisted.append(name)
                continue
            }
            guard let actual = try digest(name, entry.algorithm) else {
                unlisted.append(name)
                continue
            }
            guard actual == entry.digest else {
                throw VMDKError(
                    .manifestMismatch, file: "\(path):\(name)",
                    "\(entry.algorithm.rawValue) is \(actual) but the manifest says \(entry.digest): the OVA is corrupt or was modified"
                )
            }
            algorithms.insert(entry.algorithm.rawValue)
        }
        if !unlisted.isEmpty {
            warnings.append("\(path): not covered by the manifest: \(unlisted.joined(separator: ", "))")
            return "partly verified: \(unlisted.joined(separator: ", ")) not listed"
        }
        return "verified (\(algorithms.sorted().joined(separator: ", ")))"
    }

    /// The entry for archive member `name`; manifest names are relative to the manifest's
    /// own folder (`folder`) inside the archive.
    func entry(for name: String, folder: String) -> Entry? {
        entries[name.hasPrefix(folder) ? String(name.dropFirst(folder.count)) : name]
    }
}
