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
