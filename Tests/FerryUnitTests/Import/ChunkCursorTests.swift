@testable import Ferry
import Testing
import VMDK

@Suite("Chunk cursor")
struct ChunkCursorTests {
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
