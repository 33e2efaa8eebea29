/// The grain tables of one sparse extent, read once at open and kept in memory.
///
/// Only tables the grain directory actually points at are stored (a mostly empty 2 TiB
/// disk costs almost nothing), entries stay in their on-disk width (4 bytes for hosted
/// sparse and COWD, 8 for seSparse), and tables are read with a few large `pread`s:
/// writers lay tables out back to back, so neighbouring tables are read together.
struct GrainTables<Entry: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    let entriesPerTable: Int
    /// Per directory entry: the index of its table in `entries`, or -1 if it has none.
    private let slots: [Int32]
    private let entries: [Entry]

    /// Number of directory entries.
    var tableCount: Int { slots.count }

    func isAbsent(_ table: Int) -> Bool { table >= slots.count || slots[table] < 0 }

    /// The raw entry for `grain` (0 when its table is absent).
    func entry(_ grain: Int) -> Entry {
        let table = grain / entriesPerTable
        guard table < slots.count else { return 0 }
        let slot = slots[table]
        if slot < 0 { return 0 }
        return entries[Int(slot) * entriesPerTable + grain % entriesPerTable]
    }

    /// Calls `body` for every non-zero entry of grains below `grainCount`, visiting only
    /// tables that exist, so the cost is bounded by the file size rather than by the
    /// (untrusted) capacity.
    func forEachEntry(below grainCount: Int, _ body: (Int, Entry) throws(VMDKError) -> Void) throws(VMDKError) {
        for table in 0..<slots.count where slots[table] >= 0 {
            let first = table * entriesPerTable
            let end = min(first + entriesPerTable, grainCount)
            guard first < end else { continue }
            let base = Int(slots[table]) * entriesPerTable - first
            for grain in first..<end where entries[base + grain] != 0 {
                try body(grain, entries[base + grain])
            }
        }
    }

    /// Where the entry for `grain` lives in the file (for error messages).
    func fileOffset(ofGrain grain: Int) -> UInt64? {
        let table = grain / entriesPerTable
        guard table < slots.count, slots[table] >= 0 else { return nil }
        return tableBases[Int(slots[table])] + UInt64(grain % entriesPerTable * MemoryLayout<Entry>.size)
    }

    /// File offset of each stored table, by slot.
    private let tableBases: [UInt64]

    /// Reads the tables at `tableOffsets` (bytes; 0 = no table, as offset 0 is always the
    /// header). `directoryOffset` and `directoryEntrySize` locate the directory entries for
    /// error messages. Every table must lie
    /// inside `allowed` (the part of the file metadata may occupy) and no two may overlap:
    /// a directory that points many entries at one table would otherwise multiply memory
    /// and alias unrelated parts of the disk.
    static func load(
        from file: RandomAccessFile,
        tableOffsets: [UInt64],
        entriesPerTable: Int,
        allowed: Range<UInt64>,
        directoryOffset: UInt64,
        directoryEntrySize: Int = 4,
        field: String = "grain directory"
    ) throws(VMDKError) -> GrainTables {
        let entrySize = MemoryLayout<Entry>.size
        let tableBytes = UInt64(entriesPerTable * entrySize)
        var present: [(Int, UInt64)] = []
        for (index, offset) in tableOffsets.enumerated() where offset != 0 { present.append((index, offset)) }
        present.sort { $0.1 < $1.1 }
        if UInt64(present.count) * tableBytes > Limits.maximumTableBytes {
            throw VMDKError(
                .limitExceeded, file: file.displayPath, field: field,
                "\(present.count) grain tables would need more than \(humanBytes(Limits.maximumTableBytes)) of memory")
        }
        for (position, (index, offset)) in present.enumerated() {
            let entryOffset = directoryOffset + UInt64(index * directoryEntrySize)
            guard offset >= allowed.lowerBound, offset <= allowed.upperBound,
                tableBytes <= allowed.upperBound - offset
            else {
                let what = offset + tableBytes > file.length ? "past the end of the file" : "inside the header"
                throw VMDKError(
                    .outOfBounds, file: file.displayPath, field: "\(field)[\(index)]", offset: entryOffset,
                    "points at a grain table at \(hex(offset)), \(what) (allowed \(hex(allowed.lowerBound))–\(hex(allowed.upperBound)))"
                )
            }
            if position > 0, present[position - 1].1 + tableBytes > offset {
                throw VMDKError(
                    .badTable, file: file.displayPath, field: "\(field)[\(index)]", offset: entryOffset,
                    "grain table at \(hex(offset)) overlaps the one of entry \(present[position - 1].0)")
            }
        }

        var slots = [Int32](repeating: -1, count: tableOffsets.count)
        var entries = [Entry](repeating: 0, count: present.count * entriesPerTable)
        var tableBases = [UInt64](repeating: 0, count: present.count)
        // Group tables that sit back to back into reads of up to 8 MiB.
        let maximumRead = max(8 << 20, Int(tableBytes))
        var start = 0
        var slotCounter: Int32 = 0
        while start < present.count {
            var end = start + 1
            while end < present.count, present[end].1 == present[end - 1].1 + tableBytes,
                (end - start + 1) * Int(tableBytes) <= maximumRead
            {
                end += 1
            }
            let chunk = try file.bytes(at: present[start].1, count: (end - start) * Int(tableBytes), field: field)
            chunk.withUnsafeBytes { raw in
                for member in start..<end {
                    let slot = slotCounter
                    slotCounter += 1
                    slots[present[member].0] = slot
                    tableBases[Int(slot)] = present[member].1
                    let source = (member - start) * Int(tableBytes)
                    let destination = Int(slot) * entriesPerTable
                    for entry in 0..<entriesPerTable {
                        entries[destination + entry] = Entry(
                            littleEndian: raw.loadUnaligned(fromByteOffset: source + entry * entrySize, as: Entry.self))
                    }
                }
            }
            start = end
        }
        return GrainTables(entriesPerTable: entriesPerTable, slots: slots, entries: entries, tableBases: tableBases)
    }

    private init(entriesPerTable: Int, slots: [Int32], entries: [Entry], tableBases: [UInt64]) {
        self.entriesPerTable = entriesPerTable
        self.slots = slots
        self.entries = entries
        self.tableBases = tableBases
    }
}
