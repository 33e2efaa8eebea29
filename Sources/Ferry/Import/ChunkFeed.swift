/// Where an import's reader threads get their chunks: a list planned from the allocation
/// map and read with `pread` anywhere at once (``PlannedChunkFeed``), or a stream read
/// strictly front to back under a lock and inflated by each thread on its own
/// (``StreamChunkFeed``). Either way a reader asks for "the next chunk", gets it filled
/// into its pool buffer, and zero-scans, hashes and writes it as the pipeline always did.
protocol ChunkFeed: Sendable {
    /// What one reader thread keeps between chunks (a staging buffer for the stream).
    associatedtype ReaderState

    func makeReaderState() -> ReaderState

    /// Fills `buffer` with the next chunk's data parts (bytes outside them are never
    /// looked at) and says which chunk it was; nil once there are no chunks left.
    func next(into buffer: UnsafeMutableRawBufferPointer, state: ReaderState) throws -> FedChunk?

    /// How many chunks were handed out so far (all of them, once `next` returned nil).
    var handedOut: Int { get }
}

/// One chunk handed to a reader thread.
struct FedChunk {
    let chunk: ImportChunk
    /// Its place in the order chunks were handed out (0, 1, …), which is disk order.
    let sequence: Int
    /// Its index in the checkpoint tracker; nil for a chunk an interrupted earlier run
    /// already wrote (below the resume watermark): it is hashed for the digest, not written.
    let ticket: Int?
    /// What completing it adds to ``ImportProgress``, in the progress's measure.
    let progressBytes: Int
}
