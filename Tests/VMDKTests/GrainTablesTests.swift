import Foundation
import Testing

@testable import VMDK

/// Grain tables are kept compactly (tables of zeros dropped, stepping entries as runs,
/// scattered tables raw): every entry must read back as written, and memory must follow the
/// data, not the capacity.
@Suite("Grain tables in memory")
struct GrainTablesTests {
    static let entriesPerTable = 512

    /// Tables of every shape the compact form distinguishes, by directory index.
    static func shapes() -> [[UInt32]] {
        let n = entriesPerTable
        var mixed = [UInt32](repeating: 0, count: n)
        for index in 10..<200 { mixed[index] = 5000 + UInt32(index - 10) * 128 }  // a run
        for index in 300..<310 { mixed[index] = 1 }  // zeroed grains: a run of step 0
        mixed[400] = 77  // lone entries
        mixed[402] = 99
        mixed[n - 1] = 123_456
        var generator = SplitMix(seed: 42)
        let scattered = (0..<n).map { index in index % 3 == 0 ? 0 : UInt32(truncatingIfNeeded: generator.next()) | 1 }
        return [
            [UInt32](repeating: 0, count: n),  // preallocated, empty
            (0..<n).map { 1000 + UInt32($0) * 128 },  // written in order: one run
            mixed,
            scattered,
            (0..<n).map { (UInt32.max - 64) &+ UInt32($0) &* 128 },  // a run that wraps past 2^32
        ]
    }

    @Test("every entry of every table shape reads back as written")
    func entriesRoundTrip() throws {
        let scratch = try Scratch()
        let shapes = Self.shapes()
        // Tables back to back after a 4 KiB gap, directory entry i → table i, plus a
        // directory entry with no table.
        var bytes = [UInt8](repeating: 0, count: 4096)
        var offsets: [UInt64] = []
        for table in shapes {
            offsets.append(UInt64(bytes.count))
            for entry in table { withUnsafeBytes(of: entry.littleEndian) { bytes += $0 } }
        }
        offsets.append(0)
        try scratch.write("tables.bin", bytes)
        let file = RandomAccessFile(try LocalFile(path: scratch.file("tables.bin")))
        let tables = try GrainTables<UInt32>.load(
            from: file, tableOffsets: offsets, entriesPerTable: Self.entriesPerTable,
            allowed: 4096..<UInt64(bytes.count), directoryOffset: 0)

        let expected = shapes.flatMap { $0 } + [UInt32](repeating: 0, count: Self.entriesPerTable)
        for grain in expected.indices {
            #expect(tables.entry(grain) == expected[grain], "grain \(grain)")
        }
        #expect(tables.entry(expected.count + 5) == 0, "past the directory")
        #expect(tables.isAbsent(0), "a table of zeros reads as absent")
        #expect(!tables.isAbsent(1) && !tables.isAbsent(2) && !tables.isAbsent(3))
        #expect(tables.isAbsent(shapes.count), "no table")
        #expect(tables.fileOffset(ofGrain: 2 * Self.entriesPerTable + 400) == offsets[2] + 400 * 4)

        var visited: [(Int, UInt32)] = []
        try tables.forEachEntry(below: expected.count) { grain, entry in visited.append((grain, entry)) }
        let nonZero = expected.indices.filter { expected[$0] != 0 }.map { ($0, expected[$0]) }
        #expect(visited.map(\.0) == nonZero.map(\.0))
        #expect(visited.map(\.1) == nonZero.map(\.1))

        // Stop short of the capacity inside a table kept as runs.
        var belowCount = 0
        try tables.forEachEntry(below: Self.entriesPerTable + 100) { _, _ in belowCount += 1 }
        #expect(belowCount == 100)

        // The scattered table is kept raw; the rest are a handful of runs.
        let raw = Self.entriesPerTable * 4
        #expect(tables.memoryBytes < raw + 1024, "\(tables.memoryBytes) bytes for one raw table and a few runs")
    }

    @Test("seSparse entries, whose grain number steps by 2^48, are kept as runs")
    func wideEntries() throws {
        let scratch = try Scratch()
        let entriesPerTable = 4096
        // State 3 (allocated) with grain numbers 4000, 4001, …: the low 12 bits of the
        // number sit in bits 48–59, so the step carries into the low bits every 4096 grains.
        let table: [UInt64] = (0..<entriesPerTable).map { index in
            let number = UInt64(4000 + index)
            return 0x3000_0000_0000_0000 | (number & 0xfff) << 48 | number >> 12
        }
        var bytes = [UInt8](repeating: 0, count: 4096)
        for entry in table { withUnsafeBytes(of: entry.littleEndian) { bytes += $0 } }
        try scratch.write("se.bin", bytes)
        let file = RandomAccessFile(try LocalFile(path: scratch.file("se.bin")))
        let tables = try GrainTables<UInt64>.load(
            from: file, tableOffsets: [4096], entriesPerTable: entriesPerTable, allowed: 4096..<UInt64(bytes.count),
            directoryOffset: 0, directoryEntrySize: 8)
        for grain in 0..<entriesPerTable {
            #expect(tables.entry(grain) == table[grain], "grain \(grain)")
            #expect(SESparseExtent.grainNumber(tables.entry(grain)) == UInt64(4000 + grain))
        }
        #expect(tables.memoryBytes < 256, "two runs, not \(entriesPerTable * 8) bytes")
    }

    @Test("a 2 TiB monolithicSparse made by qemu-img keeps kilobytes of tables, not 128 MiB")
    func largeDiskMemory() throws {
        let scratch = try Scratch()
        let path = scratch.file("big.vmdk")
        _ = try Tool.qemuImg(["create", "-q", "-f", "vmdk", path, "2T"])
        _ = try Tool.run(
            "qemu-io",
            ["-f", "vmdk", "-c", "write -P 0x5a 1T 4M", "-c", "write -P 0xa5 2047G 2M", path])
        // qemu-img preallocates every table of both directory copies.
        #expect(try fileSize(path) > 128 << 20)

        let disk = try VirtualDisk.open(path)
        let extent = try #require(disk.layers[0].extents[0] as? HostedSparseExtent)
        #expect(extent.tableMemoryBytes < 1 << 20, "\(extent.tableMemoryBytes) bytes of tables")
        #expect(try readRange(disk, 1 << 40, 4 << 20) == [UInt8](repeating: 0x5a, count: 4 << 20))
        #expect(try readRange(disk, 2047 << 30, 2 << 20) == [UInt8](repeating: 0xa5, count: 2 << 20))
        #expect(try readRange(disk, (1 << 40) + (4 << 20), 1 << 20) == [UInt8](repeating: 0, count: 1 << 20))
        let data = try disk.allocationMap().filter { $0.kind == .data }
        #expect(data.map(\.offset) == [1 << 40, 2047 << 30])
        #expect(data.map(\.length) == [4 << 20, 2 << 20])
    }
}

/// A small deterministic generator for scattered table entries.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
