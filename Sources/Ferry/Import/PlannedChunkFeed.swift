import Synchronization
import VMDK

/// Chunks planned from the allocation map (``ChunkPlanner``), read with `pread` by any
/// number of threads at once, inflating compressed grains on the reading thread.
final class PlannedChunkFeed: ChunkFeed {
    private let disk: any DiskReader
    private let chunks: [ImportChunk]
    /// Chunks before this index were written by an earlier, interrupted run.
    private let firstWrite: Int
    private let nextIndex = Atomic<Int>(0)

    init(disk: any DiskReader, chunks: [ImportChunk], firstWrite: Int) {
        self.disk = disk
        self.chunks = chunks
        self.firstWrite = firstWrite
    }

    func makeReaderState() {}

    func next(into buffer: UnsafeMutableRawBufferPointer, state: Void) throws -> FedChunk? {
        let index = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
        guard index < chunks.count else { return nil }
        let chunk = chunks[index]
        for part in chunk.parts {
            try disk.read(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[part]), at: chunk.offset + UInt64(part.lowerBound))
        }
        // Chunks an earlier run wrote are already in the progress's `resumedBytes`.
        let written = index < firstWrite
        return FedChunk(
            chunk: chunk, ticket: written ? nil : index - firstWrite, progressBytes: written ? 0 : chunk.dataLength)
    }
}
