import Ceph
import Synchronization
import VMDK

/// The reader threads and the librbd write window of one import.
///
/// Each reader takes a pool buffer, gets the next chunk from the feed (read with `pread`,
/// or taken from a stream and inflated), zero-scans and hashes it, and submits its non-zero
/// parts. Chunks the feed marks as already written by an earlier, interrupted run are
/// hashed for the content digest but not written again.
final class WritePipeline<Feed: ChunkFeed>: Sendable {
    private let feed: Feed
    private let image: RBDImage
    private let objectSize: UInt64
    private let digestFold: ContentDigestFold
    private let tracker: CheckpointTracker
    private let progress: ImportProgress
    private let pool: BufferPool
    private let rateLimiter: RateLimiter?
    private let readers: Int
    private let firstError = Mutex<(any Error)?>(nil)
    private let stopped = Atomic<Bool>(false)
    /// Buffers of the shared window this import holds right now.
    private let inFlight = InFlightCounter()

    init(
        feed: Feed, image: RBDImage, tracker: CheckpointTracker, progress: ImportProgress, objectSize: UInt64,
        window: ImportWindow, readers: Int
    ) {
        self.feed = feed
        self.image = image
        self.objectSize = objectSize
        self.digestFold = ContentDigestFold(objectSize: objectSize)
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
        return digestFold.finish(count: feed.handedOut)
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
        let state = feed.makeReaderState()
        while !stopped.load(ordering: .relaxed) {
            let buffer = pool.take()
            inFlight.enter()
            let fed: FedChunk
            do {
                guard let next = try feed.next(into: buffer, state: state) else {
                    release(buffer)
                    return
                }
                fed = next
            } catch {
                release(buffer)
                fail(error)
                return
            }
            let chunk = fed.chunk
            let data = UnsafeRawBufferPointer(rebasing: buffer[0..<chunk.length])
            let ranges = ZeroScan.nonZeroRanges(data, within: chunk.parts)
            recordDigests(of: data, chunk: chunk, sequence: fed.sequence, ranges: ranges)
            progress.dataCovered(chunk.dataLength)
            guard let ticket = fed.ticket else {
                progress.chunkCompleted(length: fed.progressBytes)
                release(buffer)
                continue
            }
            rateLimiter?.acquire(chunk.dataLength)
            submitWrites(
                of: data, ranges: Self.split(ZeroScan.coalesced(ranges, within: chunk.parts), chunk: chunk,
                                             objectSize: objectSize),
                chunk: chunk, fed: fed, ticket: ticket, buffer: buffer)
        }
    }

    /// The content digest of every object the chunk touches (one, unless grains are larger
    /// than objects).
    private func recordDigests(
        of data: UnsafeRawBufferPointer, chunk: ImportChunk, sequence: Int, ranges: [Range<Int>]
    ) {
        var objects: [(object: UInt64, digest: [UInt8])] = []
        var objectStart = chunk.offset / objectSize * objectSize
        while objectStart < chunk.end {
            let from = Int(max(objectStart, chunk.offset) - chunk.offset)
            let to = Int(min(objectStart + objectSize, chunk.end) - chunk.offset)
            let inObject = ranges.compactMap { range -> Range<Int>? in
                let clamped = max(range.lowerBound, from)..<min(range.upperBound, to)
                return clamped.isEmpty ? nil : (clamped.lowerBound - from)..<(clamped.upperBound - from)
            }
            let slice = UnsafeRawBufferPointer(rebasing: data[from..<to])
            if let digest = ContentDigest.object(slice, at: chunk.offset + UInt64(from), ranges: inObject) {
                objects.append((objectStart / objectSize, digest))
            }
            objectStart += objectSize
        }
        digestFold.add(sequence: sequence, objects: objects)
    }

    /// `ranges` cut at object boundaries, so each write touches one object.
    private static func split(_ ranges: [Range<Int>], chunk: ImportChunk, objectSize: UInt64) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for range in ranges {
            var start = range.lowerBound
            while start < range.upperBound {
                let absolute = chunk.offset + UInt64(start)
                let boundary = Int((absolute / objectSize + 1) * objectSize - chunk.offset)
                let end = min(range.upperBound, boundary)
                result.append(start..<end)
                start = end
            }
        }
        return result
    }

    /// Writes the non-zero parts of a chunk; the last completion returns the buffer.
    private func submitWrites(
        of data: UnsafeRawBufferPointer, ranges: [Range<Int>], chunk: ImportChunk, fed: FedChunk, ticket: Int,
        buffer: UnsafeMutableRawBufferPointer
    ) {
        let progressBytes = fed.progressBytes
        if ranges.isEmpty {
            finish(ticket: ticket, progressBytes: progressBytes, buffer: buffer)
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
                    self.finish(
                        ticket: ticket, progressBytes: progressBytes, buffer: owned.pointer,
                        written: !outstanding.failed)
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
    private func finish(
        ticket: Int, progressBytes: Int, buffer: UnsafeMutableRawBufferPointer, written: Bool = true
    ) {
        if written {
            tracker.complete(ticket)
            progress.chunkCompleted(length: progressBytes)
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
