/// A vmfsSparse extent ("COWD"): the snapshot delta format of ESX 3–6.x
/// (`disk-000001-delta.vmdk`). A 2048-byte header, a grain directory of u32 sector
/// offsets, grain tables of exactly 4096 u32 entries, and (in practice) 512-byte grains.
/// No zeroed-grain marker exists: an entry is either 0 (look in the parent) or a sector.
struct COWDExtent: GrainedExtent {
    /// "COWD" read as a little-endian u32.
    static let magic: UInt32 = 0x4457_4f43
    static let headerSize: UInt64 = 2048
    static let entriesPerTable = 4096

    let file: RandomAccessFile
    let length: UInt64
    let grainSize: UInt64
    let grainsPerTable = COWDExtent.entriesPerTable
    let info: ExtentInfo
    let warnings: [String]
    private let tables: GrainTables<UInt32>

    /// Header field offsets, for messages.
    private enum Field: UInt64 {
        case magic = 0, version = 4, flags = 8, numSectors = 12, grainSize = 16, gdOffset = 20
        case numGDEntries = 24, freeSector = 28, uncleanShutdown = 1648
    }

    init(file: RandomAccessFile, template: ExtentInfo) throws(VMDKError) {
        let path = file.displayPath
        func bad(_ field: Field, _ message: String, code: VMDKError.Code = .badHeader) -> VMDKError {
            VMDKError(code, file: path, field: "\(field)", offset: field.rawValue, message)
        }
        guard file.length >= Self.headerSize else {
            throw VMDKError(
                .truncated, file: path, field: "header",
                "file is \(file.length) bytes, shorter than the 2048-byte COWD header")
        }
        let header = try file.bytes(at: 0, count: Int(Self.headerSize), field: "header")
        guard header.le32(0) == Self.magic else {
            throw bad(.magic, "not a COWD (vmfsSparse) extent", code: .badMagic)
        }
        let version = header.le32(4)
        let capacity = UInt64(header.le32(12))
        let grainSectors = UInt64(header.le32(16))
        let directorySector = UInt64(header.le32(20))
        let directoryEntries = UInt64(header.le32(24))
        guard version == 1 else { throw bad(.version, "COWD version \(version) is not 1", code: .unsupported) }
        guard grainSectors >= 1, grainSectors <= Limits.maximumGrainSectors, grainSectors & (grainSectors - 1) == 0
        else {
            throw bad(
                .grainSize,
                "grain size \(grainSectors) sectors is not a power of two between 1 and \(Limits.maximumGrainSectors)")
        }
        guard capacity > 0 else { throw bad(.numSectors, "capacity is zero") }
        let sectorsPerTable = grainSectors * UInt64(Self.entriesPerTable)
        let needed = (capacity + sectorsPerTable - 1) / sectorsPerTable
        guard directoryEntries >= needed, directoryEntries <= Limits.maximumDirectoryEntries else {
            throw bad(
                .numGDEntries,
                "grain directory has \(directoryEntries) entries; a \(capacity)-sector disk needs \(needed)")
        }
        let directoryStart = directorySector * Limits.sectorSize
        let directoryBytes = needed * 4
        guard directoryStart >= Self.headerSize, directoryStart <= file.length,
            directoryBytes <= file.length - directoryStart
        else {
            throw bad(
                .gdOffset,
                "grain directory at sector \(directorySector) is inside the header or past the end of the file",
                code: .outOfBounds)
        }
        let directory = try file.bytes(at: directoryStart, count: Int(directoryBytes), field: "grain directory")
        var tableOffsets = [UInt64](repeating: 0, count: Int(needed))
        let tableBytes = UInt64(Self.entriesPerTable * 4)
        let directoryRange = directoryStart..<(directoryStart + directoryBytes)
        for index in 0..<Int(needed) {
            let offset = UInt64(directory.le32(index * 4)) * Limits.sectorSize
            if offset != 0, directoryRange.overlaps(offset..<(offset + tableBytes)) {
                throw VMDKError(
                    .outOfBounds, file: path, field: "grain directory[\(index)]",
                    offset: directoryStart + UInt64(index * 4),
                    "points at a grain table inside the grain directory")
            }
            tableOffsets[index] = offset
        }
        let tables = try GrainTables<UInt32>.load(
            from: file, tableOffsets: tableOffsets, entriesPerTable: Self.entriesPerTable,
            allowed: Self.headerSize..<file.length, directoryOffset: directoryStart)

        let grainBytes = grainSectors * Limits.sectorSize
        let capacityBytes = capacity * Limits.sectorSize
        let grainCount = Int((capacity + grainSectors - 1) / grainSectors)
        try tables.forEachEntry(below: grainCount) { (grain, entry) throws(VMDKError) in
            let start = UInt64(entry) * Limits.sectorSize
            let size = min(grainBytes, capacityBytes - UInt64(grain) * grainBytes)
            if start < Self.headerSize || start > file.length || size > file.length - start
                || directoryRange.overlaps(start..<(start + size))
            {
                throw VMDKError(
                    .outOfBounds, file: path, field: "grain table entry for grain \(grain)",
                    offset: tables.fileOffset(ofGrain: grain),
                    "points at \(hex(start)), outside the grain area of the \(file.length)-byte file")
            }
        }
        var warnings: [String] = []
        if header.le32(Int(Field.uncleanShutdown.rawValue)) != 0 {
            warnings.append("\(path): unclean-shutdown flag is set (the VM was not shut down cleanly)")
        }

        self.file = file
        self.length = capacityBytes
        self.grainSize = grainBytes
        self.tables = tables
        self.warnings = warnings
        var info = template
        info.size = length
        info.format = "vmfsSparse"
        info.headerVersion = version
        info.grainSize = grainBytes
        self.info = info
    }

    func tableIsAbsent(_ table: Int) -> Bool { tables.isAbsent(table) }

    func location(ofGrain grain: Int) -> GrainLocation {
        let entry = tables.entry(grain)
        return entry == 0 ? .unallocated : .stored(UInt64(entry) * Limits.sectorSize)
    }
}
