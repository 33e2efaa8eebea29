import Synchronization

/// Tracks which chunks are safely written and derives the resume watermark: every byte
/// below it is in the cluster. Chunks complete out of order; the watermark only moves past
/// a chunk once it and all chunks before it are complete.
///
/// Chunks are registered one by one, in disk order, as the feed hands them out. Once every
/// chunk so far is complete, the watermark is the end of the last one: whatever lies
/// between it and the next chunk is unallocated, so nothing below it remains to write.
/// Only chunks not yet behind the watermark are kept, so memory follows the chunks in
/// flight, not the size of the disk.
final class CheckpointTracker: Sendable {
    private struct State {
        /// Chunks from `base` on: their starts and whether each is written.
        var starts: [UInt64] = []
        var completed: [Bool] = []
        /// Index of the first chunk still kept; those before it are all complete.
        var base = 0
        var firstIncomplete = 0
        var lastEnd: UInt64 = 0
        /// No more chunks will be registered.
        var sealed = false

        /// Forgets the complete chunks below the watermark once they are many.
        mutating func compact() {
            let done = firstIncomplete - base
            guard done >= 1024, done * 2 >= completed.count else { return }
            starts.removeFirst(done)
            completed.removeFirst(done)
            base = firstIncomplete
        }
    }

    private let capacity: UInt64
    private let state = Mutex(State())

    init(capacity: UInt64) { self.capacity = capacity }

    /// Registers the next chunk (after every chunk registered so far); returns its index.
    func append(_ chunk: ImportChunk) -> Int {
        state.withLock { state in
            precondition(!state.sealed && state.lastEnd <= chunk.offset, "chunks out of order")
            state.starts.append(chunk.offset)
            state.completed.append(false)
            state.lastEnd = chunk.end
            return state.base + state.completed.count - 1
        }
    }

    /// Says no chunk follows the ones registered.
    func seal() { state.withLock { $0.sealed = true } }

    /// Marks a chunk written; called from librbd completions, so it only flips flags.
    func complete(_ index: Int) {
        state.withLock { state in
            state.completed[index - state.base] = true
            while state.firstIncomplete - state.base < state.completed.count,
                state.completed[state.firstIncomplete - state.base]
            {
                state.firstIncomplete += 1
            }
            state.compact()
        }
    }

    /// Byte offset below which the import is complete.
    var watermark: UInt64 {
        state.withLock { state in
            if state.firstIncomplete - state.base < state.starts.count {
                return state.starts[state.firstIncomplete - state.base]
            }
            return state.sealed ? capacity : state.lastEnd
        }
    }
}
