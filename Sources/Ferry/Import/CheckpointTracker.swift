import Synchronization

/// Tracks which chunks are safely written and derives the resume watermark: every byte
/// below it is in the cluster. Chunks complete out of order; the watermark only moves past
/// a chunk once it and all chunks before it are complete.
final class CheckpointTracker: Sendable {
    private struct State {
        var completed: [Bool]
        var firstIncomplete = 0
    }

    private let chunks: [ImportChunk]
    private let capacity: UInt64
    private let state: Mutex<State>

    init(chunks: [ImportChunk], capacity: UInt64) {
        self.chunks = chunks
        self.capacity = capacity
        self.state = Mutex(State(completed: Array(repeating: false, count: chunks.count)))
    }

    /// Marks a chunk written; called from librbd completions, so it only flips flags.
    func complete(_ index: Int) {
        state.withLock { state in
            state.completed[index] = true
            while state.firstIncomplete < state.completed.count, state.completed[state.firstIncomplete] {
                state.firstIncomplete += 1
            }
        }
    }

    /// Byte offset below which the import is complete.
    var watermark: UInt64 {
        let first = state.withLock { $0.firstIncomplete }
        return first < chunks.count ? chunks[first].offset : capacity
    }
}
