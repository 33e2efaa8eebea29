/// The grain tables of one sparse extent, read once at open and kept in memory in a
/// compact form, so memory follows what the disk holds rather than its capacity.
///
/// Writers preallocate every table (qemu-img and Workstation do, for both directory
/// copies): a 2 TiB monolithicSparse file carries 128 MiB of tables even when almost
/// empty, and kept as read they made the importer's memory grow with the disk's size.
/// So a table whose entries are all zero is not kept at all (it reads exactly like an
/// absent one), and a table is kept as runs of entries that step by a constant
/// (``EntryRun``) whenever that is smaller than its raw entries — writers place grains
/// one after another, so a full table is usually one run. Tables with scattered entries
/// stay raw, in their on-disk width, so the compact form is never larger than the tables.
struct GrainTables<Entry: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    let entriesPerTable: Int
    /// Per directory entry: the index of its table in `stored`, or -1 if it has none (or
    /// only zero entries).
    private let slots: [Int32]
    private let stored: [StoredTable]
    /// Entries of the tables kept raw, `entriesPerTable` per table.
    private let rawEntries: [Entry]
    /// Runs of the tables kept as runs, each table's sorted by position.
    private let runs: [EntryRun<Entry>]

    /// Number of directory entries.
    var tableCount: Int { slots.count }

    /// True if the table has no non-zero entry (absent from the file, or all zeros).
    func isAbsent(_ table: Int) -> Bool { table >= slots.count || slots[table] < 0 }

    /// The raw entry for `grain` (0 when its table is absent).
    func entry(_ grain: Int) -> Entry {
        let table = grain / entriesPerTable
        guard table < slots.count else { return 0 }
        let slot = slots[table]
        if slot < 0 { return 0 }
        let position = grain % entriesPerTable
        switch stored[Int(slot)].storage {
        case .raw(let base):
            return rawEntries[base + position]
        case .runs(let range):
            return Self.lookup(position, in: range, of: runs)
        }
    }

    /// Calls `body` for every non-zero entry of grains below `grainCount`, visiting only
    /// tables that hold one, so the cost is bounded by the file size rather than by the
    /// (untrusted) capacity.
    func forEachEntry(below grainCount: Int, _ body: (Int, Entry) throws(VMDKError) -> Void) throws(VMDKError) {
        for table in 0..<slots.count where slots[table] >= 0 {
            let first = table * entriesPerTable
            let end = min(first + entriesPerTable, grainCount)
            guard first < end else { continue }
            switch stored[Int(slots[table])].storage {
            case .raw(let base):
                for grain in first..<end where rawEntries[base + grain - first] != 0 {
                    try body(grain, rawEntries[base + grain - first])
                }
            case .runs(let range):
                for run in runs[range] {
                    var value = run.first
                    for position in Int(run.start)..<Int(run.start + run.count) {
                        guard first + position < end else { break }
                        try body(first + position, value)
                        value &+= run.step
                    }
                }
            }
        }
    }

    /// Where the entry for `grain` lives in the file (for error messages).
    func fileOffset(ofGrain grain: Int) -> UInt64? {
        let table = grain / entriesPerTable
        guard table < slots.count, slots[table] >= 0 else { return nil }
        return stored[Int(slots[table])].fileOffset + UInt64(grain % entriesPerTable * MemoryLayout<Entry>.size)
    }

    /// Bytes the kept tables take in memory (runs, raw entries and bookkeeping).
    var memoryBytes: Int {
        Self.memoryBytes(slots: slots.count, stored: stored.count, rawEntries: rawEntries.count, runs: runs.count)
    }

    private static func memoryBytes(slots: Int, stored: Int, rawEntries: Int, runs: Int) -> Int {
        slots * MemoryLayout<Int32>.stride + stored * MemoryLayout<StoredTable>.stride
            + rawEntries * MemoryLayout<Entry>.stride + runs * MemoryLayout<EntryRun<Entry>>.stride
    }

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

        var builder = Builder(entriesPerTable: entriesPerTable, tableCount: tableOffsets.count)
        // Group tables that sit back to back into reads of up to 8 MiB: the only buffer
        // that grows with the tables read, and it is freed after each group.
        let maximumRead = max(8 << 20, Int(tableBytes))
        var start = 0
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
                    let table = UnsafeRawBufferPointer(
                        rebasing: raw[((member - start) * Int(tableBytes))..<((member - start + 1) * Int(tableBytes))])
                    builder.add(table, index: present[member].0, fileOffset: present[member].1)
                }
            }
            if builder.memoryBytes > Limits.maximumTableBytes {
                throw VMDKError(
                    .limitExceeded, file: file.displayPath, field: field,
                    "\(present.count) grain tables would need more than \(humanBytes(Limits.maximumTableBytes)) of memory")
            }
            start = end
        }
        return GrainTables(
            entriesPerTable: entriesPerTable, slots: builder.slots, stored: builder.stored,
            rawEntries: builder.rawEntries, runs: builder.runs)
    }

    private init(
        entriesPerTable: Int, slots: [Int32], stored: [StoredTable], rawEntries: [Entry], runs: [EntryRun<Entry>]
    ) {
        self.entriesPerTable = entriesPerTable
        self.slots = slots
        self.stored = stored
        self.rawEntries = rawEntries
        self.runs = runs
    }

    /// The entry at `position` of a table kept as `range` of `runs`: binary search for the
    /// last run starting at or before it; positions between runs hold zero.
    private static func lookup(_ position: Int, in range: Range<Int>, of runs: [EntryRun<Entry>]) -> Entry {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let middle = (low + high) / 2
            if Int(runs[middle].start) <= position { low = middle + 1 } else { high = middle }
        }
        guard low > range.lowerBound else { return 0 }
        let run = runs[low - 1]
        let offset = position - Int(run.start)
        guard offset < Int(run.count) else { return 0 }
        return run.first &+ run.step &* Entry(truncatingIfNeeded: offset)
    }

    /// One kept table: where it is in the file, and how its entries are stored.
    private struct StoredTable: Sendable {
        enum Storage: Sendable {
            /// `entriesPerTable` entries at this index of `rawEntries`.
            case raw(Int)
            /// These runs of `runs`.
            case runs(Range<Int>)
        }
        let fileOffset: UInt64
        let storage: Storage
    }

    /// Accumulates tables in compact form as they are read.
    private struct Builder {
        let entriesPerTable: Int
        var slots: [Int32]
        var stored: [StoredTable] = []
        var rawEntries: [Entry] = []
        var runs: [EntryRun<Entry>] = []
        /// Scratch for one table's runs, reused.
        private var scratch: [EntryRun<Entry>] = []

        init(entriesPerTable: Int, tableCount: Int) {
            self.entriesPerTable = entriesPerTable
            self.slots = [Int32](repeating: -1, count: tableCount)
        }

        var memoryBytes: Int {
            GrainTables.memoryBytes(
                slots: slots.count, stored: stored.count, rawEntries: rawEntries.count, runs: runs.count)
        }

        /// Adds the table of directory entry `index`, read as little-endian bytes.
        mutating func add(_ bytes: UnsafeRawBufferPointer, index: Int, fileOffset: UInt64) {
            let entrySize = MemoryLayout<Entry>.size
            func value(_ position: Int) -> Entry {
                Entry(littleEndian: bytes.loadUnaligned(fromByteOffset: position * entrySize, as: Entry.self))
            }
            // Cut the non-zero entries into runs of a constant step; give up on runs as
            // soon as they would take more room than the raw table.
            let rawBytes = entriesPerTable * MemoryLayout<Entry>.stride
            let runLimit = rawBytes / MemoryLayout<EntryRun<Entry>>.stride
            scratch.removeAll(keepingCapacity: true)
            var position = 0
            var tooScattered = false
            while position < entriesPerTable {
                let first = value(position)
                if first == 0 {
                    position += 1
                    continue
                }
                guard scratch.count < runLimit else {
                    tooScattered = true
                    break
                }
                var count = 1
                var step: Entry = 0
                if position + 1 < entriesPerTable, value(position + 1) != 0 {
                    step = value(position + 1) &- first
                    count = 2
                    var previous = value(position + 1)
                    while position + count < entriesPerTable {
                        let next = value(position + count)
                        guard next != 0, next == previous &+ step else { break }
                        previous = next
                        count += 1
                    }
                }
                scratch.append(EntryRun(start: UInt32(position), count: UInt32(count), first: first, step: step))
                position += count
            }
            if !tooScattered && scratch.isEmpty { return }  // all zeros: reads as absent
            slots[index] = Int32(stored.count)
            if tooScattered {
                stored.append(StoredTable(fileOffset: fileOffset, storage: .raw(rawEntries.count)))
                rawEntries.reserveCapacity(rawEntries.count + entriesPerTable)
                for position in 0..<entriesPerTable { rawEntries.append(value(position)) }
            } else {
                stored.append(StoredTable(fileOffset: fileOffset, storage: .runs(runs.count..<(runs.count + scratch.count))))
                runs.append(contentsOf: scratch)
            }
        }
    }
}

/// `count` consecutive table entries starting at `start`: `first`, `first + step`, … (with
/// wrapping arithmetic, as seSparse entries keep the grain number's low bits up high).
struct EntryRun<Entry: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    let start: UInt32
    let count: UInt32
    let first: Entry
    let step: Entry
}
