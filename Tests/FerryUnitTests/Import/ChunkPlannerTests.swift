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
