/// A seSparse extent: the "space-efficient" snapshot delta of ESXi 6.5+ (the default for
/// VMFS6 and for disks over 2 TiB). A 512-byte constant header, a volatile header, then
/// regions for the grain directory, grain tables and grains, all addressed in sectors.
///
/// Directory entries are u64: 0 means no table, otherwise the top 32 bits are
/// 0x10000000 and the low 32 bits index a table in the grain-table region. Table entries
/// are u64 whose top nibble is the state: 0 unallocated (entry must be all zero), 1
/// unmapped by the guest (reads zero), 2 zero, 3 allocated. For allocated grains the grain
/// number is split across the entry: bits 48–59 are its low 12 bits and bits 0–47 the rest.
struct SESparseExtent: GrainedExtent {
    static let constMagic: UInt64 = 0x0000_0000_cafe_babe
    static let volatileMagic: UInt64 = 0x0000_0000_cafe_cafe
    static let version: UInt64 = 0x0000_0002_0000_0001

    let file: RandomAccessFile
    let length: UInt64
    let grainSize: UInt64
    let grainsPerTable: Int
    let info: ExtentInfo
    private let tables: GrainTables<UInt64>
    private let grainsStart: UInt64

    /// Const-header field offsets, for messages.
    private enum Field: UInt64 {
        case magic = 0, version = 8, capacity = 16, grainSize = 24, grainTableSize = 32, flags = 40, reserved = 48
        case volatileHeaderOffset = 80, volatileHeaderSize = 88, journalHeaderOffset = 96
        case grainDirOffset = 128, grainDirSize = 136, grainTablesOffset = 144, grainTablesSize = 152
        case grainsOffset = 192, grainsSize = 200, pad = 208
    }

    init(file: RandomAccessFile, template: ExtentInfo) throws(VMDKError) {
        let path = file.displayPath
        func bad(_ field: Field, _ message: String, code: VMDKError.Code = .badHeader) -> VMDKError {
            VMDKError(code, file: path, field: "\(field)", offset: field.rawValue, message)
        }
        guard file.length >= 512 else {
            throw VMDKError(
                .truncated, file: path, field: "header", "file is shorter than the 512-byte seSparse header")
        }
        let header = try file.bytes(at: 0, count: 512, field: "const header")
        func field(_ f: Field) -> UInt64 { header.le64(Int(f.rawValue)) }
        guard field(.magic) == Self.constMagic else { throw bad(.magic, "not a seSparse extent", code: .badMagic) }
        guard field(.version) == Self.version else {
            throw bad(.version, "unsupported seSparse version \(hex(field(.version)))", code: .unsupported)
        }
        // ESXi only writes 4 KiB grains and 16 MiB-covering tables (as qemu also demands).
        guard field(.grainSize) == 8 else {
            throw bad(.grainSize, "grain size \(field(.grainSize)) sectors is not 8", code: .unsupported)
        }
        guard field(.grainTableSize) == 64 else {
            throw bad(
                .grainTableSize, "grain table size \(field(.grainTableSize)) sectors is not 64", code: .unsupported)
        }
        guard field(.flags) == 0 else { throw bad(.flags, "unknown flags \(hex(field(.flags)))", code: .unsupported) }
        guard header.allZero(48..<80) else { throw bad(.reserved, "reserved fields are not zero", code: .unsupported) }
        guard header.allZero(208..<512) else { throw bad(.pad, "header padding is not zero", code: .unsupported) }
        let capacity = field(.capacity)
        guard capacity > 0, capacity <= Limits.maximumCapacity / Limits.sectorSize else {
            throw bad(
                .capacity, "capacity \(capacity) sectors is zero or more than \(humanBytes(Limits.maximumCapacity))",
                code: capacity == 0 ? .badHeader : .limitExceeded)
        }

        // Each region must lie inside the file; every pointer is then checked against its region.
        let fileSectors = file.length / Limits.sectorSize
        func region(_ offsetField: Field, _ sizeField: Field) throws(VMDKError) -> Range<UInt64> {
            let start = field(offsetField)
            let size = field(sizeField)
            guard start >= 1, start <= fileSectors, size <= fileSectors - start else {
                throw bad(
                    offsetField,
                    "region at sector \(start) (+\(size) sectors) is not inside the \(file.length)-byte file",
                    code: .outOfBounds)
            }
            return (start * Limits.sectorSize)..<((start + size) * Limits.sectorSize)
        }
        let volatileRegion = try region(.volatileHeaderOffset, .volatileHeaderSize)
        let directoryRegion = try region(.grainDirOffset, .grainDirSize)
        let tablesRegion = try region(.grainTablesOffset, .grainTablesSize)
        let grainsRegion = try region(.grainsOffset, .grainsSize)

        guard volatileRegion.byteCount >= 512 else {
            throw bad(.volatileHeaderSize, "volatile header region is smaller than a sector")
        }
        let volatile = try file.bytes(at: volatileRegion.lowerBound, count: 512, field: "volatile header")
        guard volatile.le64(0) == Self.volatileMagic else {
            throw VMDKError(
                .badMagic, file: path, field: "volatile header magic", offset: volatileRegion.lowerBound,
                "bad volatile header magic \(hex(volatile.le64(0)))")
        }
        guard volatile.le64(24) == 0 else {
            throw VMDKError(
                .unsupported, file: path, field: "replayJournal", offset: volatileRegion.lowerBound + 24,
                "the journal must be replayed first (the snapshot was not closed cleanly); open it on ESXi once")
        }
        guard volatile.allZero(32..<512) else {
            throw VMDKError(
                .unsupported, file: path, field: "volatile header padding", offset: volatileRegion.lowerBound + 32,
                "volatile header padding is not zero")
        }

        let grainBytes: UInt64 = 8 * Limits.sectorSize
        let entriesPerTable = Int(64 * Limits.sectorSize / 8)
        let tableBytes = UInt64(entriesPerTable * 8)
        let grainCount = (capacity + 7) / 8
        let needed = (grainCount + UInt64(entriesPerTable) - 1) / UInt64(entriesPerTable)
        guard directoryRegion.byteCount / 8 >= needed else {
            throw bad(.grainDirSize, "grain directory holds \(directoryRegion.byteCount / 8) entries, \(needed) needed")
        }
        let directory = try file.bytes(at: directoryRegion.lowerBound, count: Int(needed * 8), field: "grain directory")
        var tableOffsets = [UInt64](repeating: 0, count: Int(needed))
        for index in 0..<Int(needed) {
            let entry = directory.le64(index * 8)
            if entry == 0 { continue }
            let entryOffset = directoryRegion.lowerBound + UInt64(index * 8)
            guard entry & 0xffff_ffff_0000_0000 == 0x1000_0000_0000_0000 else {
                throw VMDKError(
                    .badTable, file: path, field: "grain directory[\(index)]", offset: entryOffset,
                    "invalid grain directory entry \(hex(entry))")
            }
            let tableOffset = tablesRegion.lowerBound + (entry & 0xffff_ffff) * tableBytes
            tableOffsets[index] = tableOffset
        }
        let tables = try GrainTables<UInt64>.load(
            from: file, tableOffsets: tableOffsets, entriesPerTable: entriesPerTable, allowed: tablesRegion,
            directoryOffset: directoryRegion.lowerBound, directoryEntrySize: 8)

        try tables.forEachEntry(below: Int(grainCount)) { (grain, entry) throws(VMDKError) in
            let problem: String?
            switch entry >> 60 {
            case 0: problem = "unallocated entry with stray bits \(hex(entry))"
            case 1, 2: problem = nil
            case 3:
                let number = Self.grainNumber(entry)
                problem =
                    number < grainsRegion.byteCount / grainBytes
                    ? nil
                    : "points at grain \(number), outside the \(grainsRegion.byteCount / grainBytes)-grain region at \(hex(grainsRegion.lowerBound))"
            default: problem = "unknown grain state \(entry >> 60) in \(hex(entry))"
            }
            if let problem {
                throw VMDKError(
                    entry >> 60 == 3 ? .outOfBounds : .badTable, file: path,
                    field: "grain table entry for grain \(grain)",
                    offset: tables.fileOffset(ofGrain: grain), problem)
            }
        }

        self.file = file
        self.length = capacity * Limits.sectorSize
        self.grainSize = grainBytes
        self.grainsPerTable = entriesPerTable
        self.tables = tables
        self.grainsStart = grainsRegion.lowerBound
        var info = template
        info.size = length
        info.format = "seSparse"
        info.grainSize = grainBytes
        self.info = info
    }

    /// The grain number of an allocated (state 3) entry.
    static func grainNumber(_ entry: UInt64) -> UInt64 {
        ((entry & 0x0fff_0000_0000_0000) >> 48) | ((entry & 0x0000_ffff_ffff_ffff) << 12)
    }

    func tableIsAbsent(_ table: Int) -> Bool { tables.isAbsent(table) }

    func location(ofGrain grain: Int) -> GrainLocation {
        let entry = tables.entry(grain)
        switch entry >> 60 {
        case 1, 2: return .zero
        case 3: return .stored(grainsStart + Self.grainNumber(entry) * grainSize)
        default: return .unallocated
        }
    }
}
