/// Checks a stream's grain tables against the grains actually seen in it.
///
/// A stream read front to back needs no tables: every grain marker carries its LBA. But a
/// stream whose tables disagree with its markers is corrupt or forged, and the random-access
/// reader would read something else from the same file, so it is refused. Memory: one
/// 32-bit marker sector per grain of every table that has a grain, the size of the tables
/// that map data; tables of zeros (writers preallocate them all) keep only their offset.
struct StreamTableCheck {
    /// A grain table as found in the stream: its entries and where it lies.
    struct Table {
        let offset: UInt64
        /// Empty for a table of zeros.
        private let entries: [UInt32]

        init(offset: UInt64, entries: [UInt32]) {
            self.offset = offset
            self.entries = Self.compacted(entries)
        }

        /// `entries`, or none if every one is zero: a 2 TiB stream carries 128 MiB of
        /// preallocated tables, nearly all empty.
        static func compacted(_ entries: [UInt32]) -> [UInt32] {
            entries.allSatisfy { $0 == 0 } ? [] : entries
        }

        var isEmpty: Bool { entries.isEmpty }

        func entry(_ index: Int) -> UInt32 { index < entries.count ? entries[index] : 0 }
    }

    let entriesPerTable: Int
    let grainCount: Int
    let zeroedGrains: Bool
    let path: String
    /// Table index → the marker sector of each of its grains seen (0: not seen).
    private var seen: [Int: [UInt32]] = [:]

    init(entriesPerTable: Int, grainCount: Int, zeroedGrains: Bool, path: String) {
        self.entriesPerTable = entriesPerTable
        self.grainCount = grainCount
        self.zeroedGrains = zeroedGrains
        self.path = path
    }

    /// Notes that grain `grain`'s marker is at byte `marker` of the stream.
    mutating func record(grain: Int, marker: UInt64) throws(VMDKError) {
        let sector = marker / Limits.sectorSize
        guard sector <= UInt64(UInt32.max) else {
            throw VMDKError(
                .limitExceeded, file: path, field: "grain marker", offset: marker,
                "grain marker beyond the 2 TiB a 32-bit grain table entry can address")
        }
        let table = grain / entriesPerTable
        seen[table, default: [UInt32](repeating: 0, count: entriesPerTable)][grain % entriesPerTable] = UInt32(sector)
    }

    /// Throws `.badTable` unless `tables` (table index → table) map exactly the grains seen,
    /// each to the sector of its marker. Entries of grains past the disk's end are ignored,
    /// as the random-access reader ignores them. `endWithoutMarker` is where a stream with
    /// no end-of-stream marker ended: a grain the tables list but the stream lacks is then
    /// `.truncated`.
    func verify(_ tables: [Int: Table], endWithoutMarker: UInt64? = nil) throws(VMDKError) {
        for table in Set(seen.keys).union(tables.keys).sorted() {
            let first = table * entriesPerTable
            let count = min(entriesPerTable, grainCount - first)
            guard count > 0 else { continue }
            let found = tables[table]
            let markers = seen[table]
            if markers == nil, found?.isEmpty ?? true { continue }
            for index in 0..<count {
                let entry = found?.entry(index) ?? 0
                let marker = markers?[index] ?? 0
                if entry == marker || (entry == 1 && zeroedGrains && marker == 0) { continue }
                let grain = first + index
                let field = "grain table entry for grain \(grain)"
                if marker == 0, let end = endWithoutMarker {
                    throw VMDKError(
                        .truncated, file: path, field: field, offset: found!.offset + UInt64(index * 4),
                        "the stream ends at \(end) bytes, without an end-of-stream marker, before grain \(grain) that the grain table puts at sector \(entry) (cut short?)"
                    )
                }
                if marker == 0 {
                    throw VMDKError(
                        .badTable, file: path, field: field, offset: found!.offset + UInt64(index * 4),
                        "points at sector \(entry), but the stream holds no marker for grain \(grain): inconsistent tables"
                    )
                }
                guard let found else {
                    throw VMDKError(
                        .badTable, file: path, field: "grain marker lba", offset: UInt64(marker) * Limits.sectorSize,
                        "grain \(grain) is in the stream, but the grain directory has no table for it: inconsistent tables"
                    )
                }
                throw VMDKError(
                    .badTable, file: path, field: field, offset: found.offset + UInt64(index * 4),
                    entry == 0
                        ? "is empty, but grain \(grain) is in the stream at sector \(marker): inconsistent tables"
                        : "points at sector \(entry), but grain \(grain)'s marker is at sector \(marker): inconsistent tables"
                )
            }
        }
    }
}
