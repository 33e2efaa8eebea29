/// The few facts the disk reader needs from an OVF descriptor: which files are disks, in
/// which order, and whether they are chunked or compressed.
///
/// This is deliberately not an XML parser (the VM configuration is parsed elsewhere): it
/// scans start tags for `File` and `Disk` elements and reads their attributes by local
/// name, so any namespace prefix works. Documents with a DOCTYPE are refused outright, as
/// entity expansion is how XXE attacks on OVF importers work.
struct OVFReferences: Sendable {
    struct FileReference: Sendable, Equatable {
        var id: String
        var href: String
        var size: UInt64?
        var chunkSize: UInt64?
        var compression: String?
    }

    let files: [FileReference]
    /// `Disk/@fileRef` values in document order.
    let diskFileIDs: [String]

    /// The referenced disk files, in the order of the DiskSection.
    var disks: [FileReference] {
        if diskFileIDs.isEmpty { return files.filter { $0.href.lowercased().hasSuffix(".vmdk") } }
        return diskFileIDs.compactMap { id in files.first { $0.id == id } }
    }

    /// The disk of `candidates` whose href (relative to the OVF's `folder`) or id is `name`,
    /// or the first one. Throws `.notFound` if there is none, `.unsupported` for a disk
    /// compressed as a whole (gzip), which cannot be read in place or in one pass.
    static func pick(_ name: String?, from candidates: [FileReference], folder: String, archive path: String)
        throws(VMDKError) -> FileReference
    {
        var candidates = candidates
        if let name {
            candidates = candidates.filter { $0.href == name || folder + $0.href == name || $0.id == name }
        }
        guard let reference = candidates.first else {
            throw VMDKError(
                .notFound, file: path,
                name.map { "the OVA has no disk named \"\($0)\"" } ?? "the OVA holds no disk")
        }
        if let compression = reference.compression, !compression.isEmpty, compression != "identity" {
            throw VMDKError(
                .unsupported, file: "\(path):\(reference.href)", field: "File/@compression",
                "disk member is \(compression)-compressed as a whole; it cannot be read in place (decompress the OVA first)"
            )
        }
        return reference
    }

    init(_ bytes: [UInt8], path: String) throws(VMDKError) {
        let text = Array(bytes)
        var files: [FileReference] = []
        var disks: [String] = []
        var index = 0
        while let open = text[index...].firstIndex(of: UInt8(ascii: "<")) {
            index = open + 1
            if text[index...].starts(with: "!--".utf8) {
                guard let end = Self.find("-->", in: text, from: index) else { break }
                index = end
                continue
            }
            if text[index...].starts(with: "![CDATA[".utf8) {
                guard let end = Self.find("]]>", in: text, from: index) else { break }
                index = end
                continue
            }
            if text[index...].starts(with: "!".utf8) {
                throw VMDKError(
                    .badArchive, file: path, offset: UInt64(open),
                    "OVF contains a DOCTYPE or other declaration; refused (XML entities are never expanded)")
            }
            guard let close = text[index...].firstIndex(of: UInt8(ascii: ">")) else { break }
            let tag = text[index..<close]
            index = close + 1
            guard let first = tag.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "?") else { continue }
            let nameEnd =
                tag.firstIndex { $0 == 0x20 || $0 == 0x09 || $0 == 0x0a || $0 == 0x0d || $0 == 0x2f } ?? tag.endIndex
            let qualified = String(decoding: tag[tag.startIndex..<nameEnd], as: UTF8.self)
            let local = qualified.split(separator: ":").last.map(String.init) ?? qualified
            guard local == "File" || local == "Disk" else { continue }
            let attributes = try Self.attributes(tag[nameEnd...], path: path, offset: UInt64(open))
            if local == "File" {
                guard let id = attributes["id"], let href = attributes["href"] else { continue }
                func number(_ key: String) throws(VMDKError) -> UInt64? {
                    guard let value = attributes[key] else { return nil }
                    guard let parsed = UInt64(value) else {
                        throw VMDKError(
                            .badArchive, file: path, field: "File/@\(key)", offset: UInt64(open),
                            "OVF File \(id) has an invalid \(key) \"\(value)\"")
                    }
                    return parsed
                }
                files.append(
                    FileReference(
                        id: id, href: href, size: try number("size"), chunkSize: try number("chunkSize"),
                        compression: attributes["compression"]))
            } else if let fileRef = attributes["fileRef"] {
                disks.append(fileRef)
            }
        }
        self.files = files
        self.diskFileIDs = disks
    }

    private static func find(_ needle: String, in text: [UInt8], from start: Int) -> Int? {
        let pattern = Array(needle.utf8)
        var index = start
        while index + pattern.count <= text.count {
            if text[index..<(index + pattern.count)].elementsEqual(pattern) { return index + pattern.count }
            index += 1
        }
        return nil
    }

    /// `prefix:name="value"` pairs by local name, with the five predefined entities decoded.
    private static func attributes(_ bytes: ArraySlice<UInt8>, path: String, offset: UInt64) throws(VMDKError)
        -> [String: String]
    {
        var result: [String: String] = [:]
        var index = bytes.startIndex
        func skipBlanks() {
            while index < bytes.endIndex, [0x20, 0x09, 0x0a, 0x0d, 0x2f].contains(bytes[index]) { index += 1 }
        }
        while true {
            skipBlanks()
            guard index < bytes.endIndex else { break }
            guard let equals = bytes[index...].firstIndex(of: UInt8(ascii: "=")) else { break }
            let name = String(decoding: bytes[index..<equals], as: UTF8.self).trimmingBlanks()
            var valueStart = equals + 1
            while valueStart < bytes.endIndex, bytes[valueStart] == 0x20 { valueStart += 1 }
            guard valueStart < bytes.endIndex, bytes[valueStart] == 0x22 || bytes[valueStart] == 0x27,
                let valueEnd = bytes[(valueStart + 1)...].firstIndex(of: bytes[valueStart])
            else {
                throw VMDKError(.badArchive, file: path, offset: offset, "malformed attribute in OVF element")
            }
            let raw = String(decoding: bytes[(valueStart + 1)..<valueEnd], as: UTF8.self)
            let local = name.split(separator: ":").last.map(String.init) ?? name
            result[local] = decodeEntities(raw)
            index = valueEnd + 1
        }
        return result
    }

    private static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        let entities = ["&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&apos;": "'"]
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            rest = rest[amp...]
            if let (entity, value) = entities.first(where: { rest.hasPrefix($0.key) }) {
                result += value
                rest = rest.dropFirst(entity.count)
            } else {
                result += "&"
                rest = rest.dropFirst()
            }
        }
        return result + rest
    }
}

extension String {
    fileprivate func trimmingBlanks() -> String {
        String(
            drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }.reversed().drop {
                $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r"
            }.reversed())
    }
}
