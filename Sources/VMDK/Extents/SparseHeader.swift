/// The 512-byte header of a hosted sparse extent ("KDMV"), as written by Workstation,
/// Fusion, ovftool (streamOptimized) and `qemu-img`. All fields little-endian; sizes and
/// offsets in 512-byte sectors.
struct SparseHeader: Sendable, Equatable {
    static let size = 512
    /// "KDMV" read as a little-endian u32.
    static let magic: UInt32 = 0x564d_444b
    /// `gdOffset` value meaning "the grain directory is in the footer" (streamOptimized).
    static let directoryAtEnd = UInt64.max

    struct Flags: OptionSet, Sendable, Hashable {
        let rawValue: UInt32
        static let validNewlineTest = Flags(rawValue: 1 << 0)
        static let redundantDirectory = Flags(rawValue: 1 << 1)
        static let zeroedGrains = Flags(rawValue: 1 << 2)
        static let compressed = Flags(rawValue: 1 << 16)
        static let markers = Flags(rawValue: 1 << 17)
        static let known: Flags = [.validNewlineTest, .redundantDirectory, .zeroedGrains, .compressed, .markers]
    }

    var version: UInt32
    var flags: Flags
    var capacity: UInt64
    var grainSize: UInt64
    var descriptorOffset: UInt64
    var descriptorSize: UInt64
    var gtesPerTable: UInt32
    var redundantDirectoryOffset: UInt64
    var directoryOffset: UInt64
    var overhead: UInt64
    var uncleanShutdown: UInt8
    /// '\n', ' ', '\r', '\n' unless the file went through a text-mode transfer.
    var newlineCheck: [UInt8]
    var compressAlgorithm: UInt16

    /// Byte offsets of each field, for error messages.
    enum Field: UInt64 {
        case magic = 0, version = 4, flags = 8, capacity = 12, grainSize = 20, descriptorOffset = 28
        case descriptorSize = 36, numGTEsPerGT = 44, rgdOffset = 48, gdOffset = 56, overHead = 64
        case uncleanShutdown = 72, singleEndLineChar = 73, compressAlgorithm = 77
    }

    /// Decodes the 512 bytes at `start` of `bytes`; nil if the magic is not KDMV.
    init?(_ bytes: [UInt8], at start: Int = 0) {
        guard bytes.count >= start + Self.size, bytes.le32(start) == Self.magic else { return nil }
        version = bytes.le32(start + 4)
        flags = Flags(rawValue: bytes.le32(start + 8))
        capacity = bytes.le64(start + 12)
        grainSize = bytes.le64(start + 20)
        descriptorOffset = bytes.le64(start + 28)
        descriptorSize = bytes.le64(start + 36)
        gtesPerTable = bytes.le32(start + 44)
        redundantDirectoryOffset = bytes.le64(start + 48)
        directoryOffset = bytes.le64(start + 56)
        overhead = bytes.le64(start + 64)
        uncleanShutdown = bytes[start + 72]
        newlineCheck = Array(bytes[(start + 73)..<(start + 77)])
        compressAlgorithm = bytes.le16(start + 77)
    }

    var isCompressed: Bool { compressAlgorithm == 1 }
}

/// The streamOptimized footer: a footer marker, a copy of the header whose `gdOffset` is
/// real, and an end-of-stream marker, in the last three sectors of the file.
enum StreamFooter {
    static let size: UInt64 = 1536
    static let markerFooter: UInt32 = 3
    static let markerEndOfStream: UInt32 = 0
    static let markerGrainTable: UInt32 = 1
    static let markerGrainDirectory: UInt32 = 2

    /// Reads and checks the footer of `file`, returning the header it carries. The checks
    /// follow what oslo.utils' format inspector demands of an untrusted upload: both
    /// markers have size 0, the right type and zero padding, and the footer header repeats
    /// the fields the first header already committed to.
    static func read(_ file: RandomAccessFile, header: SparseHeader) throws(VMDKError) -> SparseHeader {
        let path = file.displayPath
        guard file.length >= size + UInt64(SparseHeader.size) else {
            throw VMDKError(
                .truncated, file: path, field: "footer",
                "streamOptimized file has its grain directory in a footer, but is too short (\(file.length) bytes) to hold one"
            )
        }
        let start = file.length - size
        let bytes = try file.bytes(at: start, count: Int(size), field: "footer")
        let footerMarkerOK = bytes.le32(8) == 0 && bytes.le32(12) == markerFooter && bytes.allZero(16..<512)
        let endMarkerOK =
            bytes.le64(1024) == 0 && bytes.le32(1032) == 0 && bytes.le32(1036) == markerEndOfStream
            && bytes.allZero(1040..<1536)
        guard footerMarkerOK, endMarkerOK, let footer = SparseHeader(bytes, at: 512) else {
            throw VMDKError(
                .truncated, file: path, field: "footer", offset: start,
                "streamOptimized footer is missing or invalid (the file was probably cut short)")
        }
        try checkAgreement(footer, with: header, path: path, offset: start + 512)
        return footer
    }

    /// The footer's header must give a real directory offset and repeat every field the
    /// first header already committed to. `offset` is where the footer's header starts.
    static func checkAgreement(_ footer: SparseHeader, with header: SparseHeader, path: String, offset: UInt64)
        throws(VMDKError)
    {
        guard footer.directoryOffset != SparseHeader.directoryAtEnd else {
            throw VMDKError(
                .badHeader, file: path, field: "gdOffset", offset: offset + SparseHeader.Field.gdOffset.rawValue,
                "the footer header also says the grain directory is at the end")
        }
        let mismatches: [(String, Bool)] = [
            ("version", footer.version == header.version), ("flags", footer.flags == header.flags),
            ("capacity", footer.capacity == header.capacity), ("grainSize", footer.grainSize == header.grainSize),
            ("descriptorOffset", footer.descriptorOffset == header.descriptorOffset),
            ("descriptorSize", footer.descriptorSize == header.descriptorSize),
            ("numGTEsPerGT", footer.gtesPerTable == header.gtesPerTable),
            ("compressAlgorithm", footer.compressAlgorithm == header.compressAlgorithm),
        ]
        if let (field, _) = mismatches.first(where: { !$0.1 }) {
            throw VMDKError(
                .badHeader, file: path, field: field, offset: offset,
                "footer header disagrees with the header at the start of the file")
        }
    }
}
