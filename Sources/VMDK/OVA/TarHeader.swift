/// One 512-byte tar header, decoded: shared by the member list of an OVA opened in place
/// (``TarArchive``) and the walk through an OVA read front to back (``TarWalker``).
struct TarHeader {
    enum Kind { case endOfArchive, regular, longName, pax, ignored, other }

    let kind: Kind
    /// Data bytes that follow the header (before pax or long-name overrides).
    let size: UInt64
    /// The name the header itself carries (ustar prefix joined).
    let name: String

    static let blockSize: UInt64 = 512

    /// True if `block` carries the ustar magic and a correct checksum.
    static func isHeader(_ block: [UInt8]) -> Bool {
        block.count >= Int(blockSize) && block[257..<262].elementsEqual("ustar".utf8) && checksumMatches(block)
    }

    /// Decodes the header at `offset` of the archive `path`.
    static func decode(_ block: [UInt8], at offset: UInt64, path: String) throws(VMDKError) -> TarHeader {
        if block.allSatisfy({ $0 == 0 }) { return TarHeader(kind: .endOfArchive, size: 0, name: "") }
        guard checksumMatches(block) else {
            throw VMDKError(
                .badArchive, file: path, field: "tar header checksum", offset: offset, "tar header checksum is wrong")
        }
        guard let size = number(block[124..<136]) else {
            throw VMDKError(
                .badArchive, file: path, field: "tar size", offset: offset + 124, "tar member size is not a number")
        }
        let kind: Kind
        switch block[156] {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .regular
        case UInt8(ascii: "L"): kind = .longName
        case UInt8(ascii: "x"): kind = .pax
        // Global pax defaults and GNU long link names do not name files we read.
        case UInt8(ascii: "g"), UInt8(ascii: "K"): kind = .ignored
        // Directories, links and devices: skipped, a link is never followed.
        default: kind = .other
        }
        return TarHeader(kind: kind, size: size, name: headerName(block))
    }

    /// `size` rounded up to whole blocks: where the next header starts.
    static func padded(_ size: UInt64) -> UInt64 { (size + blockSize - 1) / blockSize * blockSize }

    /// The checksum is the sum of the header bytes with the checksum field read as spaces.
    private static func checksumMatches(_ block: [UInt8]) -> Bool {
        guard let stored = number(block[148..<156]) else { return false }
        var sum: UInt64 = 0
        for (index, byte) in block.enumerated() { sum += (148..<156).contains(index) ? 32 : UInt64(byte) }
        return sum == stored
    }

    /// An octal field, or GNU base-256 when the top bit of the first byte is set.
    private static func number(_ field: ArraySlice<UInt8>) -> UInt64? {
        if let first = field.first, first & 0x80 != 0 {
            var value: UInt64 = UInt64(first & 0x7f)
            for byte in field.dropFirst() {
                guard value <= UInt64.max >> 8 else { return nil }
                value = value << 8 | UInt64(byte)
            }
            return value
        }
        let digits = field.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
        if digits.isEmpty { return 0 }
        var value: UInt64 = 0
        for digit in digits {
            guard (0x30...0x37).contains(digit), value <= UInt64.max >> 3 else { return nil }
            value = value << 3 | UInt64(digit - 0x30)
        }
        return value
    }

    /// ustar splits long names into a 155-byte prefix and a 100-byte name; GNU tar uses the
    /// prefix bytes for other things and marks itself with "ustar  ".
    private static func headerName(_ block: [UInt8]) -> String {
        let name = String(decoding: block[0..<100].prefix { $0 != 0 }, as: UTF8.self)
        let isPOSIX = block[257..<263].elementsEqual([0x75, 0x73, 0x74, 0x61, 0x72, 0x00])
        if isPOSIX, block[345] != 0 {
            return String(decoding: block[345..<500].prefix { $0 != 0 }, as: UTF8.self) + "/" + name
        }
        return name
    }
}

/// What GNU long-name and pax headers say about the member that follows them.
struct TarPendingAttributes {
    private var longName: String?
    private var paxPath: String?
    private var paxSize: UInt64?

    /// Most bytes a long-name or pax header may carry.
    static func limit(_ kind: TarHeader.Kind) -> UInt64 { kind == .longName ? 65536 : 1 << 20 }

    /// Takes in the data of a long-name or pax header (`dataOffset` locates it for errors).
    mutating func absorb(_ kind: TarHeader.Kind, data: [UInt8], path: String, dataOffset: UInt64) throws(VMDKError) {
        if kind == .longName {
            longName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
            return
        }
        let records = try Self.paxRecords(data, path: path, offset: dataOffset)
        if let value = records["path"] { paxPath = value }
        if let value = records["size"] {
            guard let parsed = UInt64(value) else {
                throw VMDKError(.badArchive, file: path, offset: dataOffset, "pax size \"\(value)\" is not a number")
            }
            paxSize = parsed
        }
    }

    /// The data size of the entry `header` starts, with a pax size applied to regular files.
    func size(of header: TarHeader) -> UInt64 { header.kind == .regular ? (paxSize ?? header.size) : header.size }

    /// The member name for a regular file (leading `./` removed); forgets what it held.
    mutating func memberName(for header: TarHeader) -> String {
        var name = paxPath ?? longName ?? header.name
        while name.hasPrefix("./") { name.removeFirst(2) }
        reset()
        return name
    }

    /// Pending names only apply to the very next entry.
    mutating func reset() {
        longName = nil
        paxPath = nil
        paxSize = nil
    }

    /// pax records: "LEN key=value\n", LEN counting the whole record.
    private static func paxRecords(_ bytes: [UInt8], path: String, offset: UInt64) throws(VMDKError) -> [String: String]
    {
        var records: [String: String] = [:]
        var index = 0
        while index < bytes.count, bytes[index] != 0 {
            guard let space = bytes[index...].firstIndex(of: 0x20),
                let length = Int(String(decoding: bytes[index..<space], as: UTF8.self)), length > space - index,
                index + length <= bytes.count, bytes[index + length - 1] == 0x0a
            else {
                throw VMDKError(.badArchive, file: path, offset: offset + UInt64(index), "malformed pax record")
            }
            let record = bytes[(space + 1)..<(index + length - 1)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                records[String(decoding: record[record.startIndex..<equals], as: UTF8.self)] =
                    String(decoding: record[(equals + 1)...], as: UTF8.self)
            }
            index += length
        }
        return records
    }
}
