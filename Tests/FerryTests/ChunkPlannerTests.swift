@testable import Ferry
import Testing
import VMDK

@Suite("Chunk planning from allocation maps")
struct ChunkPlannerTests {
    let object: UInt64 = 4 << 20

    @Test("data runs become object-aligned chunks; zero and unallocated runs are never written")
    func splitsAtObjects() {
        let map = [
            AllocationRun(offset: 0, length: 65536, kind: .data),
            AllocationRun(offset: 65536, length: 1 << 20, kind: .unallocated),
            AllocationRun(offset: 65536 + (1 << 20), length: 65536, kind: .data),
            AllocationRun(offset: 65536 * 2 + (1 << 20), length: (3 << 20) - 65536 * 2, kind: .zero),
            // Straddles the boundary between object 0 and object 1.
            AllocationRun(offset: 4 << 20 - 4096, length: 8192, kind: .data),
            AllocationRun(offset: (4 << 20) + 4096, length: 12 << 20, kind: .unallocated),
        ]
        let chunks = ChunkPlanner.chunks(for: map, objectSize: object, capacity: 1 << 40)
        #expect(chunks == [
            // Object 0: from the first data byte to the last; only the data parts are read.
            ImportChunk(offset: 0, length: Int(4 << 20),
                        parts: [0..<65536, 1_114_112..<1_179_648, 4_190_208..<4_194_304]),
            ImportChunk(offset: 4 << 20, length: 4096),
        ])
        // A disk ending off the grid: the last chunk stops at the disk's end.
        let tail = ChunkPlanner.chunks(for: [AllocationRun(offset: 5000, length: 100, kind: .data)], objectSize: object,
                                       capacity: 5100)
        #expect(tail == [ImportChunk(offset: 4096, length: 1004)])
        // Runs closer than a block merge into one part on the grid.
        let close = ChunkPlanner.chunks(
            for: [AllocationRun(offset: 100, length: 100, kind: .data), AllocationRun(offset: 300, length: 7000, kind: .unallocated),
                  AllocationRun(offset: 7300, length: 10, kind: .data)],
            objectSize: object, capacity: 1 << 30)
        #expect(close == [ImportChunk(offset: 0, length: 8192, parts: [0..<8192])])
        for chunk in chunks {
            #expect(chunk.offset / object == (chunk.end - 1) / object, "chunk crosses an object boundary")
        }
    }

    @Test("a long data run is cut at every object boundary")
    func longRun() {
        let map = [AllocationRun(offset: 1000, length: 10 << 20, kind: .data)]
        let chunks = ChunkPlanner.chunks(for: map, objectSize: object, capacity: 1 << 40)
        // Widened to the 4 KiB grid at both ends: 1000 → 0, 10 MiB + 1000 → 10 MiB + 4096.
        #expect(chunks.map(\.offset) == [0, 4 << 20, 8 << 20])
        #expect(chunks.map(\.length) == [4 << 20, 4 << 20, (2 << 20) + 4096])
    }

    @Test("an all-zero map plans nothing")
    func empty() {
        #expect(ChunkPlanner.chunks(for: [AllocationRun(offset: 0, length: 1 << 30, kind: .zero)], objectSize: object, capacity: 1 << 30).isEmpty)
    }
}

@Suite("Zero scan")
struct ZeroScanTests {
    @Test("finds non-zero blocks at 4 KiB granularity, including a short tail")
    func ranges() {
        var bytes = [UInt8](repeating: 0, count: 5 * 4096 + 100)
        bytes[1] = 1  // block 0
        bytes[4096 * 2 + 4095] = 7  // block 2, its last byte
        bytes[4096 * 3] = 9  // block 3
        bytes[5 * 4096 + 99] = 3  // tail
        let ranges = bytes.withUnsafeBytes { ZeroScan.nonZeroRanges($0) }
        #expect(ranges == [0..<4096, 8192..<16384, 20480..<20580])
        #expect([UInt8](repeating: 0, count: 70000).withUnsafeBytes { ZeroScan.nonZeroRanges($0) }.isEmpty)
        // Scanning only the parts gives the whole-buffer answer, touching runs merged.
        bytes[4096 * 4] = 5  // block 4: touches block 3 across the part boundary
        let whole = bytes.withUnsafeBytes { ZeroScan.nonZeroRanges($0) }
        let parted = bytes.withUnsafeBytes { ZeroScan.nonZeroRanges($0, within: [0..<4096, 8192..<16384, 16384..<20580]) }
        #expect(parted == whole)
    }
}

@Suite("Checkpoint watermark")
struct CheckpointTrackerTests {
    @Test("moves only past chunks whose predecessors are all complete")
    func outOfOrder() {
        let chunks = (0..<4).map { ImportChunk(offset: UInt64($0) << 22, length: 1 << 22) }
        let tracker = CheckpointTracker(capacity: 16 << 20)
        for chunk in chunks { _ = tracker.append(chunk) }
        tracker.seal()
        #expect(tracker.watermark == 0)
        tracker.complete(1)
        tracker.complete(3)
        #expect(tracker.watermark == 0)
        tracker.complete(0)
        #expect(tracker.watermark == 8 << 20)
        tracker.complete(2)
        #expect(tracker.watermark == 16 << 20)
    }
}

@Suite("Content digest")
struct ContentDigestTests {
    @Test("depends on content and position only, not on how the object was read")
    func canonical() {
        var object = [UInt8](repeating: 0, count: 64 * 1024)
        object[5000] = 1
        object[40000] = 2
        let whole = object.withUnsafeBytes { ContentDigest.object($0, at: 1 << 22, ranges: ZeroScan.nonZeroRanges($0)) }
        // The same content read as a chunk starting at the first non-zero 4 KiB block.
        let part = object[4096...].withUnsafeBytes {
            ContentDigest.object($0, at: (1 << 22) + 4096, ranges: ZeroScan.nonZeroRanges($0))
        }
        #expect(whole != nil && whole == part)
        let elsewhere = object.withUnsafeBytes { ContentDigest.object($0, at: 2 << 22, ranges: ZeroScan.nonZeroRanges($0)) }
        #expect(elsewhere != whole)
        #expect([UInt8](repeating: 0, count: 8192).withUnsafeBytes { ContentDigest.object($0, at: 0, ranges: []) } == nil)
        let empty = ContentDigest.combine([:], objectSize: 4 << 20)
        // XXH3-128 of no input, as `xxhsum -H2` prints it.
        #expect(empty == "ferry-v2:4194304:xxh3-128:99aa06d3014798d86001c324468d497f")
    }
}

@Suite("Bounded import bookkeeping")
struct BoundedBookkeepingTests {
    @Test("the watermark stays right while completed chunks are forgotten")
    func trackerCompacts() {
        let count = 5000
        let tracker = CheckpointTracker(capacity: UInt64(count + 10) << 22)
        // Chunks with gaps between them, completed in a shuffled order within a sliding window.
        var tickets: [Int] = []
        for index in 0..<count {
            tickets.append(tracker.append(ImportChunk(offset: UInt64(index) << 22 + 8192, length: 4096)))
        }
        #expect(tickets == Array(0..<count))
        var order = Array(0..<count)
        var generator = SystemRandomNumberGenerator()
        for start in stride(from: 0, to: count, by: 16) {
            order[start..<min(start + 16, count)].shuffle(using: &generator)
        }
        var done = Set<Int>()
        var firstMissing = 0
        for (step, ticket) in order.enumerated() {
            tracker.complete(ticket)
            done.insert(ticket)
            while done.contains(firstMissing) { firstMissing += 1 }
            let lastEnd: UInt64 = UInt64(count - 1) << 22 + 8192 + 4096
            let expected: UInt64 = firstMissing < count ? UInt64(firstMissing) << 22 + 8192 : lastEnd
            if step % 97 == 0 || firstMissing == count {
                #expect(tracker.watermark == expected, "after \(step + 1) completions")
            }
        }
        tracker.seal()
        #expect(tracker.watermark == UInt64(count + 10) << 22)
    }

    @Test("digests folded as they arrive, out of order, equal the digest of them all at once")
    func digestFold() {
        let objectSize: UInt64 = 4 << 20
        // 300 chunks; every third covers an all-zero object (no digest), one covers two objects.
        var reports: [(sequence: Int, objects: [(object: UInt64, digest: [UInt8])])] = []
        var all: [UInt64: [UInt8]] = [:]
        var object: UInt64 = 3
        for sequence in 0..<300 {
            var objects: [(object: UInt64, digest: [UInt8])] = []
            if sequence % 3 != 0 {
                let digest = (0..<16).map { UInt8(truncatingIfNeeded: sequence &* 31 &+ $0) }
                objects.append((object, digest))
                all[object] = digest
                if sequence == 100 {
                    object += 1
                    objects.append((object, [UInt8](repeating: 7, count: 16)))
                    all[object] = [UInt8](repeating: 7, count: 16)
                }
            }
            reports.append((sequence, objects))
            object += UInt64(1 + sequence % 4)
        }
        var generator = SystemRandomNumberGenerator()
        for start in stride(from: 0, to: reports.count, by: 8) {
            reports[start..<min(start + 8, reports.count)].shuffle(using: &generator)
        }
        let fold = ContentDigestFold(objectSize: objectSize)
        for report in reports { fold.add(sequence: report.sequence, objects: report.objects) }
        #expect(fold.finish(count: 300) == ContentDigest.combine(all, objectSize: objectSize))
        #expect(ContentDigestFold(objectSize: objectSize).finish(count: 0) == ContentDigest.combine([:], objectSize: objectSize))
    }

    @Test("the cursor yields the planner's chunks one at a time")
    func cursorMatchesPlan() {
        let object: UInt64 = 4 << 20
        let map = [
            AllocationRun(offset: 0, length: 100, kind: .data),
            AllocationRun(offset: 100, length: 5 << 20, kind: .zero),
            AllocationRun(offset: (5 << 20) + 100, length: 9 << 20, kind: .data),
            AllocationRun(offset: (14 << 20) + 100, length: 1 << 20, kind: .unallocated),
            AllocationRun(offset: (15 << 20) + 100, length: 4096, kind: .data),
            AllocationRun(offset: (15 << 20) + 8192, length: 1, kind: .data),
        ]
        var cursor = ChunkCursor(map: map, objectSize: object, capacity: 16 << 20)
        var walked: [ImportChunk] = []
        while let chunk = cursor.next() { walked.append(chunk) }
        #expect(cursor.next() == nil)
        let offsets: [UInt64] = [0, 5 << 20, 8 << 20, 12 << 20]
        #expect(walked.map(\.offset) == offsets)
        #expect(walked == ChunkPlanner.chunks(for: map, objectSize: object, capacity: 16 << 20))
        let lastParts: [Range<Int>] = [0..<((2 << 20) + 4096), (3 << 20)..<((3 << 20) + 12288)]
        #expect(walked.last?.parts == lastParts)
    }
}
