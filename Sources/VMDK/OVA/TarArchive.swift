/// The member list of a tar archive (an OVA), read from its 512-byte headers without
/// extracting anything. Understands POSIX ustar, pax extended headers (`path`, `size`)
/// and GNU long names (`././@LongLink`), which is what ovftool, GNU tar and bsdtar write.
struct TarArchive: Sendable {
    struct Member: Sendable {
        /// Name with any leading `./` removed.
        let name: String
        /// Where the member's data starts in the archive.
        let dataOffset: UInt64
        let size: UInt64
    }

    let members: [Member]

    static let blockSize: UInt64 = 512
    /// Far more than any OVA holds; a bound so a hostile archive cannot make us list forever.
    static let maximumMembers = 100_000

    /// True if the first block has a valid tar header.
    static func isArchive(_ file: RandomAccessFile) throws(VMDKError) -> Bool {
        guard file.length >= blockSize else { return false }
        let block = try file.bytes(at: 0, count: Int(blockSize))
        return block[257..<262].elementsEqual("ustar".utf8) && checksumMatches(block)
    }

    init(_ file: RandomAccessFile) throws(VMDKError) {
        let path = file.displayPath
        var members: [Member] = []
        var names: Set<String> = []
        var offset: UInt64 = 0
        var longName: String?
        var paxPath: String?
        var paxSize: UInt64?
        while true {
            guard offset + Self.blockSize <= file.length else {
                // A missing end-of-archive marker is tolerated (many writers omit it) as
                // long as no header is cut short.
                if offset == file.length { break }
                throw VMDKError(.badArchive, file: path, offset: offset, "archive ends inside a tar header")
            }
            let block = try file.bytes(at: offset, count: Int(Self.blockSize), field: "tar header")
            if block.allSatisfy({ $0 == 0 }) { break }
            guard Self.checksumMatches(block) else {
                throw VMDKError(
                    .badArchive, file: path, field: "tar header checksum", offset: offset,
                    "tar header checksum is wrong")
            }
            guard let headerSize = Self.number(block[124..<136]) else {
                throw VMDKError(
                    .badArchive, file: path, field: "tar size", offset: offset + 124, "tar member size is not a number")
            }
            let type = block[156]
            let isRegular = type == UInt8(ascii: "0") || type == 0 || type == UInt8(ascii: "7")
            let size = isRegular ? (paxSize ?? headerSize) : headerSize
            let dataOffset = offset + Self.blockSize
            guard size <= file.length, dataOffset <= file.length - size else {
                throw VMDKError(
                    .badArchive, file: path, offset: offset,
                    "tar member of \(size) bytes at \(dataOffset) runs past the end of the \(file.length)-byte archive")
            }
            switch type {
            case UInt8(ascii: "L"):
                guard size <= 65536 else {
                    throw VMDKError(.badArchive, file: path, offset: offset, "GNU long name of \(size) bytes")
                }
                let bytes = try file.bytes(at: dataOffset, count: Int(size), field: "GNU long name")
                longName = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            case UInt8(ascii: "x"):
                guard size <= 1 << 20 else {
                    throw VMDKError(.badArchive, file: path, offset: offset, "pax header of \(size) bytes")
                }
                let bytes = try file.bytes(at: dataOffset, count: Int(size), field: "pax header")
                let records = try Self.paxRecords(bytes, path: path, offset: dataOffset)
                if let value = records["path"] { paxPath = value }
                if let value = records["size"] {
                    guard let parsed = UInt64(value) else {
                        throw VMDKError(
                            .badArchive, file: path, offset: dataOffset, "pax size \"\(value)\" is not a number")
                    }
                    paxSize = parsed
                }
            case UInt8(ascii: "g"), UInt8(ascii: "K"):
                break  // global pax defaults and GNU long link names do not name files we read
            default:
                if isRegular {
                    var name = paxPath ?? longName ?? Self.headerName(block)
                    while name.hasPrefix("./") { name.removeFirst(2) }
                    guard !names.contains(name) else {
                        throw VMDKError(
                            .badArchive, file: path, offset: offset, "archive holds two members named \"\(name)\"")
                    }
                    names.insert(name)
                    members.append(Member(name: name, dataOffset: dataOffset, size: size))
                    guard members.count <= Self.maximumMembers else {
                        throw VMDKError(
                            .limitExceeded, file: path, "archive has more than \(Self.maximumMembers) members")
                    }
                }
                // Directories, links and devices are skipped: a link is never followed.
                longName = nil
                paxPath = nil
                paxSize = nil
            }
            offset = dataOffset + (size + Self.blockSize - 1) / Self.blockSize * Self.blockSize
        }
        self.members = members
    }

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
