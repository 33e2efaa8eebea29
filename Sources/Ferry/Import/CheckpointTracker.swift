import Synchronization

/// Tracks which chunks are safely written and derives the resume watermark: every byte
/// below it is in the cluster. Chunks complete out of order; the watermark only moves past
/// a chunk once it and all chunks before it are complete.
///
/// Chunks are registered in disk order: all at once when the allocation map is known, or
/// one by one as a stream read front to back reveals them. In the second case, once every
/// chunk so far is complete, the watermark is the end of the last one: whatever lies
/// between it and the next chunk is unallocated, so nothing below it remains to write.
final class CheckpointTracker: Sendable {
    private struct State {
        var starts: [UInt64] = []
        var ends: [UInt64] = []
        var completed: [Bool] = []
        var firstIncomplete = 0
        /// No more chunks will be registered.
        var sealed: Bool
    }

    private let capacity: UInt64
    private let state: Mutex<State>

    /// A tracker for a known list of chunks (sorted by offset).
    init(chunks: [ImportChunk], capacity: UInt64) {
        self.capacity = capacity
        self.state = Mutex(
            State(
                starts: chunks.map(\.offset), ends: chunks.map(\.end),
                completed: Array(repeating: false, count: chunks.count), sealed: true))
    }

    /// A tracker whose chunks are registered with ``append(_:)`` as they are found.
    init(capacity: UInt64) {
        self.capacity = capacity
        self.state = Mutex(State(sealed: false))
    }

    /// Registers the next chunk (after every chunk registered so far); returns its index.
    func append(_ chunk: ImportChunk) -> Int {
        state.withLock { state in
            precondition(!state.sealed && (state.ends.last ?? 0) <= chunk.offset, "chunks out of order")
            state.starts.append(chunk.offset)
            state.ends.append(chunk.end)
            state.completed.append(false)
            return state.completed.count - 1
        }
    }

    /// Says no chunk follows the ones registered.
    func seal() { state.withLock { $0.sealed = true } }

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
        state.withLock { state in
            if state.firstIncomplete < state.starts.count { return state.starts[state.firstIncomplete] }
            return state.sealed ? capacity : state.ends.last ?? 0
        }
    }
}
