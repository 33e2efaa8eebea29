@testable import Ferry
import Testing
import VMDK

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

    /// The tracker forgets completed chunks (its memory stays bounded on huge disks).
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
}
