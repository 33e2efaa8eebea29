import Ceph
import Synchronization
import VMDK

/// The reader threads and the librbd write window of one import.
///
/// Chunks before `firstWrite` were written by an earlier, interrupted run: they are read
/// and hashed for the content digest but not written again.
final class WritePipeline: Sendable {
    private let disk: any DiskReader
    private let image: RBDImage
    private let chunks: [ImportChunk]
    private let firstWrite: Int
    private let objectSize: UInt64
    private let digests = Mutex<[UInt64: [UInt8]]>([:])
    private let tracker: CheckpointTracker
    private let progress: ImportProgress
    private let pool: BufferPool
    private let rateLimiter: RateLimiter?
    private let readers: Int
    private let nextChunk = Atomic<Int>(0)
    private let firstError = Mutex<(any Error)?>(nil)
    private let stopped = Atomic<Bool>(false)
    /// Buffers of the shared window this import holds right now.
    private let inFlight = InFlightCounter()

    init(
        disk: any DiskReader, image: RBDImage, chunks: [ImportChunk], firstWrite: Int, tracker: CheckpointTracker,
        progress: ImportProgress, objectSize: UInt64, window: ImportWindow, readers: Int
    ) {
        self.disk = disk
        self.image = image
        self.chunks = chunks
        self.firstWrite = firstWrite
        self.objectSize = objectSize
        self.tracker = tracker
        self.progress = progress
        self.readers = max(1, readers)
        precondition(window.bufferSize >= Int(objectSize), "window buffers smaller than an RBD object")
        self.pool = window.pool
        self.rateLimiter = window.rateLimiter
    }

    /// Asks the readers to stop after their current chunk (cancellation, shutdown).
    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Runs until every chunk is written or the first failure. Always waits for this
    /// import's writes in flight, so no buffer is reused while librbd still reads it.
    /// - Returns: the content digest of the whole disk (`ContentDigest`).
    func run() async throws -> String {
        await WorkerThreads.run(count: readers, name: "ferry-reader") { _ in self.readLoop() }
        await inFlight.drain()
        if let error = firstError.withLock({ $0 }) { throw error }
        if stopped.load(ordering: .relaxed) { throw CancellationError() }
        return ContentDigest.combine(digests.withLock { $0 }, objectSize: objectSize)
    }

    private func release(_ buffer: UnsafeMutableRawBufferPointer) {
        pool.give(buffer)
        inFlight.leave()
    }

    private func fail(_ error: any Error) {
        firstError.withLock { if $0 == nil { $0 = error } }
        stopped.store(true, ordering: .relaxed)
    }

    private func readLoop() {
        while !stopped.load(ordering: .relaxed) {
            let index = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < chunks.count else { return }
            let chunk = chunks[index]
            if index >= firstWrite { rateLimiter?.acquire(chunk.dataLength) }
            let buffer = pool.take()
            inFlight.enter()
            let data = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<chunk.length])
            do {
                for part in chunk.parts {
                    try disk.read(into: UnsafeMutableRawBufferPointer(rebasing: data[part]), at: chunk.offset + UInt64(part.lowerBound))
                }
            } catch {
                release(buffer)
                fail(error)
                return
            }
            let ranges = ZeroScan.nonZeroRanges(UnsafeRawBufferPointer(data), within: chunk.parts)
            if let digest = ContentDigest.object(UnsafeRawBufferPointer(data), at: chunk.offset, ranges: ranges) {
                digests.withLock { $0[chunk.offset / objectSize] = digest }
            }
            if index < firstWrite {
                release(buffer)
                continue
            }
            submitWrites(
                of: UnsafeRawBufferPointer(data), ranges: ZeroScan.coalesced(ranges, within: chunk.parts),
                chunk: chunk, index: index, buffer: buffer)
        }
    }

    /// Writes the non-zero parts of a chunk; the last completion returns the buffer.
    private func submitWrites(
        of data: UnsafeRawBufferPointer, ranges: [Range<Int>], chunk: ImportChunk, index: Int,
        buffer: UnsafeMutableRawBufferPointer
    ) {
        if ranges.isEmpty {
            finish(chunk: chunk, index: index, buffer: buffer)
            return
        }
        let outstanding = ChunkCounter(ranges.count)
        let owned = UnsafeMutableRawBufferPointerBox(buffer)
        for range in ranges {
            let piece = UnsafeRawBufferPointer(rebasing: data[range])
            let offset = chunk.offset + UInt64(range.lowerBound)
            let finishPiece: @Sendable (Result<Void, CephError>) -> Void = { result in
                switch result {
                case .success: self.progress.bytesWritten(range.count)
                case .failure(let error):
                    outstanding.markFailed()
                    self.fail(error)
                }
                if outstanding.decrement() {
                    self.finish(chunk: chunk, index: index, buffer: owned.pointer, written: !outstanding.failed)
                }
            }
            do {
                try image.submitWrite(piece, at: offset, completion: finishPiece)
            } catch {
                finishPiece(.failure(error))
            }
        }
    }

    /// Once every write of a chunk is done: count it if all of them succeeded (a write
    /// acknowledged by librbd is on the OSDs, even if another chunk failed meanwhile), and
    /// hand the buffer back.
    private func finish(chunk: ImportChunk, index: Int, buffer: UnsafeMutableRawBufferPointer, written: Bool = true) {
        if written {
            tracker.complete(index - firstWrite)
            progress.chunkCompleted(length: chunk.dataLength)
        }
        release(buffer)
    }
}

/// Counts the writes of one chunk still in flight, and whether any of them failed.
private final class ChunkCounter: Sendable {
    private let remaining: Atomic<Int>
    private let failure = Atomic<Bool>(false)
    init(_ count: Int) { remaining = Atomic(count) }
    func markFailed() { failure.store(true, ordering: .releasing) }
    var failed: Bool { failure.load(ordering: .acquiring) }
    /// True for the caller that brought the count to zero.
    func decrement() -> Bool { remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
}


/// Counts what one import holds of a shared window, so it can wait for its own writes
/// without waiting for other imports'.
private final class InFlightCounter: Sendable {
    private struct State {
        var count = 0
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func enter() { state.withLock { $0.count += 1 } }

    /// Safe in librbd completions: it only resumes a continuation.
    func leave() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.count -= 1
            guard state.count == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func drain() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.count == 0 { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }
}
