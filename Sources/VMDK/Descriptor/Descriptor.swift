/// A parsed VMDK text descriptor, standalone (`disk.vmdk` next to `disk-flat.vmdk`) or
/// embedded in a hosted sparse file.
///
/// The parser is strict on purpose: a descriptor is the part of a VMDK an attacker
/// controls most easily, and qemu's `sscanf`-based parser silently skips lines it does
/// not understand (including extents it cannot open, which shifts every later extent).
/// Every line must be blank, a comment, `key=value`, or a well-formed extent line.
struct Descriptor: Sendable {
    /// Descriptors larger than this are refused before they are read; real ones are < 2 KiB.
    static let maximumSize = 1 << 20

    var version: Int = 1
    var encoding: TextEncoding = .utf8
    /// Content ID; nil only for a sparse file without an embedded descriptor.
    var cid: UInt32?
    /// Parent's content ID; nil when `parentCID=ffffffff` (no parent).
    var parentCID: UInt32?
    var createType: String?
    var parentFileNameHint: String?
    var extents: [ExtentDescription] = []
    /// `ddb.*` entries, keyed without the `ddb.` prefix.
    var database: [String: String] = [:]
    /// Other `key=value` entries (isNativeSnapshot, …).
    var otherKeys: [String: String] = [:]
    /// True if the text starts with the `# Disk DescriptorFile` signature comment.
    var hasSignature = false
    var warnings: [String] = []

    /// Sum of the extent sizes (wrapping: only meaningful once each size is validated).
    var totalSectors: UInt64 { extents.reduce(0) { $0 &+ $1.sectors } }

    /// The no-parent CID value.
    static let noParent: UInt32 = 0xffff_ffff

    /// Parses descriptor bytes. `baseOffset` is where `bytes` start in `file`, so errors can
    /// name the byte offset of the offending line. Text after the first NUL is ignored
    /// (an embedded descriptor is zero-padded to whole sectors).
    static func parse(_ bytes: [UInt8], file: String, baseOffset: UInt64 = 0) throws(VMDKError) -> Descriptor {
        if bytes.count > maximumSize {
            throw VMDKError(
                .limitExceeded, file: file, offset: baseOffset,
                "descriptor is \(bytes.count) bytes; more than \(maximumSize) is not a real descriptor")
        }
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        // Notepad saves a UTF-8 byte-order mark in front of hand-edited descriptors.
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let lines = splitLines(bytes[min(start, end)..<end])

        var descriptor = Descriptor()
        descriptor.encoding = try detectEncoding(
            lines, bytes: bytes, file: file, baseOffset: baseOffset, into: &descriptor)

        var seenKeys: Set<String> = []
        var sawFirstContent = false
        for (number, raw) in lines.enumerated() {
            let lineOffset = baseOffset + UInt64(raw.startIndex)
            guard let decoded = descriptor.encoding.decode(raw) else {
                throw VMDKError(
                    .badDescriptor, file: file, offset: lineOffset,
                    "line \(number + 1) is not valid \(descriptor.encoding.name) text")
            }
            let line = trimmed(decoded)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                if !sawFirstContent, line.lowercased().replacingSpaces() == "#diskdescriptorfile" {
                    descriptor.hasSignature = true
                }
                sawFirstContent = true
                continue
            }
            sawFirstContent = true
            let context = LineContext(file: file, number: number + 1, offset: lineOffset, text: line)
            if let access = extentAccess(line) {
                descriptor.extents.append(try parseExtent(line, access: access, context))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw context.error("is neither a comment, a key=value pair nor an extent line")
            }
            let key = trimmed(String(line[..<equals]))
            let isDatabase = line.hasPrefix("ddb.")
            let value = try unquote(trimmed(String(line[line.index(after: equals)...])), context, strict: !isDatabase)
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-:".contains($0)) })
            else {
                throw context.error("has an invalid key \"\(key)\"")
            }
            if key.hasPrefix("ddb.") {
                descriptor.database[String(key.dropFirst(4))] = value
                continue
            }
            if seenKeys.contains(key), coreKeys.contains(key) {
                throw context.error("repeats the key \(key)")
            }
            seenKeys.insert(key)
            switch key {
            case "version":
                guard let version = Int(value), (1...3).contains(version) else {
                    throw VMDKError(
                        .unsupported, file: file, field: "version", offset: lineOffset,
                        "descriptor version \"\(value)\" is not 1, 2 or 3")
                }
                descriptor.version = version
            case "CID":
                descriptor.cid = try parseCID(value, key: key, context)
            case "parentCID":
                let parent = try parseCID(value, key: key, context)
                descriptor.parentCID = parent == noParent ? nil : parent
            case "createType":
                descriptor.createType = value
            case "parentFileNameHint":
                descriptor.parentFileNameHint = value
            case "encoding":
                break  // handled by detectEncoding
            default:
                descriptor.otherKeys[key] = value
            }
        }
        return descriptor
    }

    // MARK: - Pieces

    private static let coreKeys: Set<String> = [
        "version", "encoding", "CID", "parentCID", "createType", "parentFileNameHint",
    ]

    private struct LineContext {
        let file: String
        let number: Int
        let offset: UInt64
        let text: String

        func error(_ what: String, code: VMDKError.Code = .badDescriptor, field: String? = nil) -> VMDKError {
            let shown = text.count > 120 ? String(text.prefix(120)) + "…" : text
            return VMDKError(
                code, file: file, field: field, offset: offset, "descriptor line \(number) \(what): \(shown)")
        }
    }

    /// Lines as byte slices of `bytes`, without their `\n` (a trailing `\r` is trimmed later).
    private static func splitLines(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            lines.append(bytes[start..<index])
            start = index + 1
        }
        if start < bytes.endIndex { lines.append(bytes[start..<bytes.endIndex]) }
        return lines
    }

    /// Finds `encoding="…"` (which is ASCII in every encoding) before decoding anything else.
    private static func detectEncoding(
        _ lines: [ArraySlice<UInt8>], bytes: [UInt8], file: String, baseOffset: UInt64,
        into descriptor: inout Descriptor
    ) throws(VMDKError) -> TextEncoding {
        for raw in lines {
            guard raw.allSatisfy({ $0 < 0x80 }) else { continue }
            let line = trimmed(String(decoding: raw, as: UTF8.self))
            guard line.hasPrefix("encoding"), let equals = line.firstIndex(of: "=") else { continue }
            guard trimmed(String(line[..<equals])) == "encoding" else { continue }
            let context = LineContext(file: file, number: 0, offset: baseOffset + UInt64(raw.startIndex), text: line)
            let name = try unquote(trimmed(String(line[line.index(after: equals)...])), context)
            let encoding = TextEncoding(declared: name)
            if case .asciiOnly = encoding {
                descriptor.warnings.append("descriptor encoding \"\(name)\" is not decoded; only ASCII names accepted")
            }
            return encoding
        }
        let text = bytes.prefix(while: { $0 != 0 })
        if String(validating: text, as: UTF8.self) == nil {
            descriptor.warnings.append("descriptor declares no encoding and is not UTF-8; read as windows-1252")
            return .windows1252
        }
        return .utf8
    }

    private static func extentAccess(_ line: String) -> ExtentDescription.Access? {
        guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return nil }
        return ExtentDescription.Access(rawValue: String(line[..<space]))
    }

    /// `ACCESS SECTORS TYPE ["FILE" [OFFSET]]`, with the rules VMware's writers follow:
    /// FLAT needs its offset, VMFS and the sparse kinds must not have one, ZERO has no file.
    private static func parseExtent(_ line: String, access: ExtentDescription.Access, _ context: LineContext)
        throws(VMDKError) -> ExtentDescription
    {
        var scanner = Scanner(line)
        _ = scanner.token()
        guard let sectorText = scanner.token(), let sectors = UInt64(sectorText), sectors > 0 else {
            throw context.error("has no valid sector count")
        }
        guard let typeText = scanner.token() else { throw context.error("has no extent type") }
        guard let kind = ExtentDescription.Kind(rawValue: typeText) else {
            throw context.error("has the unknown extent type \(typeText)", code: .unsupported)
        }
        var fileName: String?
        if !scanner.atEnd {
            guard let quoted = scanner.quoted() else {
                throw context.error("has a file name that is not in double quotes")
            }
            fileName = quoted
        }
        var offset: UInt64?
        if let offsetText = scanner.token() {
            guard let value = UInt64(offsetText) else { throw context.error("has an invalid offset \(offsetText)") }
            offset = value
        }
        if !scanner.atEnd { throw context.error("has unexpected trailing text") }

        switch kind {
        case .zero:
            if fileName != nil || offset != nil { throw context.error("is a ZERO extent with a file name") }
        case .flat:
            guard fileName != nil else { throw context.error("has no file name") }
            guard offset != nil else { throw context.error("is a FLAT extent without its offset column") }
        default:
            guard fileName != nil else { throw context.error("has no file name") }
            if offset != nil { throw context.error("is a \(kind.rawValue) extent, which takes no offset column") }
        }
        return ExtentDescription(
            access: access, sectors: sectors, kind: kind, fileName: fileName, offset: offset, line: context.number)
    }

    private static func parseCID(_ value: String, key: String, _ context: LineContext) throws(VMDKError) -> UInt32 {
        guard (1...8).contains(value.count), let cid = UInt32(value, radix: 16) else {
            throw context.error("has an invalid \(key) \"\(value)\" (expected 8 hex digits)", field: key)
        }
        return cid
    }

    /// Strips the quotes around a value. `strict` (every key but the free-form `ddb.*`
    /// ones) refuses a quote inside the value, which could hide a second value.
    private static func unquote(_ value: String, _ context: LineContext, strict: Bool = true) throws(VMDKError)
        -> String
    {
        guard value.hasPrefix("\"") else { return value }
        guard value.count >= 2, value.hasSuffix("\"") else { throw context.error("has an unterminated quoted value") }
        let inner = value.dropFirst().dropLast()
        if strict, inner.contains("\"") { throw context.error("has a stray quote in a value") }
        return String(inner)
    }
}

/// Space/tab/CR trimming (descriptors from Windows carry CRLF; iotest's VMware sample has
/// trailing spaces after every value).
func trimmed(_ text: String) -> String {
    let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
    guard let first = text.firstIndex(where: { !isBlank($0) }) else { return "" }
    let last = text.lastIndex(where: { !isBlank($0) })!
    return String(text[first...last])
}

extension String {
    fileprivate func replacingSpaces() -> String { String(filter { $0 != " " && $0 != "\t" }) }
}

/// A tiny tokenizer for extent lines: whitespace-separated tokens and one quoted string.
private struct Scanner {
    private let characters: [Character]
    private var position = 0

    init(_ text: String) { characters = Array(text) }

    var atEnd: Bool {
        mutating get {
            skipBlanks()
            return position >= characters.count
        }
    }

    mutating func token() -> String? {
        skipBlanks()
        guard position < characters.count, characters[position] != "\"" else { return nil }
        let start = position
        while position < characters.count, characters[position] != " ", characters[position] != "\t" { position += 1 }
        return String(characters[start..<position])
    }

    mutating func quoted() -> String? {
        skipBlanks()
        guard position < characters.count, characters[position] == "\"" else { return nil }
        guard let close = characters[(position + 1)...].firstIndex(of: "\"") else { return nil }
        let value = String(characters[(position + 1)..<close])
        position = close + 1
        return value
    }

    private mutating func skipBlanks() {
        while position < characters.count, characters[position] == " " || characters[position] == "\t" {
            position += 1
        }
    }
}
