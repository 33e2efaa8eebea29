import Synchronization
import VMDK

/// Chunks planned from the allocation map (``ChunkCursor``), handed out in disk order and
/// read with `pread` by any number of threads at once, inflating compressed grains on the
/// reading thread. Chunks that end below the resume watermark were written by an earlier,
/// interrupted run: they are read and hashed for the digest, not written or tracked.
final class PlannedChunkFeed: ChunkFeed {
    private struct Walk {
        var cursor: ChunkCursor
        var handedOut = 0
    }

    private let disk: any DiskReader
    private let resumeFrom: UInt64
    private let tracker: CheckpointTracker
    private let walk: Mutex<Walk>

    init(disk: any DiskReader, cursor: ChunkCursor, resumeFrom: UInt64, tracker: CheckpointTracker) {
        self.disk = disk
        self.resumeFrom = resumeFrom
        self.tracker = tracker
        self.walk = Mutex(Walk(cursor: cursor))
    }

    func makeReaderState() {}

    func next(into buffer: UnsafeMutableRawBufferPointer, state: Void) throws -> FedChunk? {
        let taken: (chunk: ImportChunk, sequence: Int, ticket: Int?)? = walk.withLock { walk in
            guard let chunk = walk.cursor.next() else {
                tracker.seal()
                return nil
            }
            defer { walk.handedOut += 1 }
            // Registered under the walk's lock, so the tracker sees chunks in disk order.
            return (chunk, walk.handedOut, chunk.end > resumeFrom ? tracker.append(chunk) : nil)
        }
        guard let (chunk, sequence, ticket) = taken else { return nil }
        for part in chunk.parts {
            try disk.read(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[part]), at: chunk.offset + UInt64(part.lowerBound))
        }
        // Chunks an earlier run wrote are already in the progress's `resumedBytes`.
        return FedChunk(
            chunk: chunk, sequence: sequence, ticket: ticket, progressBytes: ticket == nil ? 0 : chunk.dataLength)
    }

    /// Chunks handed out so far; all of them once the feed returned nil.
    var handedOut: Int { walk.withLock { $0.handedOut } }
}
