import Foundation
import VMDK

/// Chunks of a stream read front to back: under the source's lock, a reader thread copies
/// the compressed grains of the next chunk (every grain of one RBD object, or of one grain
/// when grains are larger than objects) into its own staging buffer; it then inflates them
/// into its pool buffer outside the lock. Reading stays strictly sequential, inflation runs
/// on every reader at once.
///
/// Chunks are numbered for the checkpoint as they are found; chunks that end below the
/// resume watermark are read and hashed but not written, as planned chunks are.
final class StreamChunkFeed: ChunkFeed, @unchecked Sendable {
    private let source: SequentialSource
    /// A chunk never straddles a multiple of this: max(object size, grain size).
    private let unit: UInt64
    private let resumeFrom: UInt64
    private let tracker: CheckpointTracker
    private let progress: ImportProgress
    /// Guarded by `source.lock`: raw source bytes already credited to progress.
    private var credited: UInt64 = 0
    private var finished = false
    /// Guarded by `source.lock`: the stream failed; nothing more is read from it.
    private var failed = false
    /// Guarded by `source.lock`: chunks handed out so far.
    private var handedOutCount = 0

    init(
        source: SequentialSource, objectSize: UInt64, resumeFrom: UInt64, tracker: CheckpointTracker,
        progress: ImportProgress
    ) {
        self.source = source
        self.unit = max(objectSize, source.grainSize)
        self.resumeFrom = resumeFrom
        self.tracker = tracker
        self.progress = progress
    }

    func makeReaderState() -> CompressedGrains {
        CompressedGrains(grainSize: source.grainSize, capacity: source.capacity, displayPath: source.displayPath)
    }

    func next(into buffer: UnsafeMutableRawBufferPointer, state staging: CompressedGrains) throws -> FedChunk? {
        guard let (chunk, sequence, ticket, progressBytes) = try take(into: staging) else { return nil }
        for part in chunk.parts {
            UnsafeMutableRawBufferPointer(rebasing: buffer[part]).initializeMemory(as: UInt8.self, repeating: 0)
        }
        try staging.inflate(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<chunk.length]), at: chunk.offset)
        return FedChunk(chunk: chunk, sequence: sequence, ticket: ticket, progressBytes: progressBytes)
    }

    var handedOut: Int {
        source.lock.lock()
        defer { source.lock.unlock() }
        return handedOutCount
    }

    /// Copies the grains of the next chunk into `staging`, under the lock.
    private func take(into staging: CompressedGrains) throws -> (ImportChunk, Int, Int?, Int)? {
        source.lock.lock()
        defer { source.lock.unlock() }
        guard !failed else { return nil }
        do {
            return try takeLocked(into: staging)
        } catch {
            // The reader stopped mid-structure; the other threads must not read on, and the
            // tracker must not be sealed, or the checkpoint would claim the whole disk.
            failed = true
            throw error
        }
    }

    private func takeLocked(into staging: CompressedGrains) throws -> (ImportChunk, Int, Int?, Int)? {
        let reader = source.reader
        guard !finished, let first = try reader.nextGrain() else {
            if !finished { finishLocked() }
            return nil
        }
        staging.reset()
        let grainSize = source.grainSize
        let unitIndex = UInt64(first) * grainSize / unit
        try reader.takeGrain(into: staging)
        while let next = try reader.nextGrain(), UInt64(next) * grainSize / unit == unitIndex {
            try reader.takeGrain(into: staging)
        }
        let consumed = source.raw.bytesRead - credited
        credited = source.raw.bytesRead
        let chunk = Self.chunk(
            covering: staging.ranges, unitEnd: min((unitIndex + 1) * unit, source.capacity))
        let ticket = chunk.end > resumeFrom ? tracker.append(chunk) : nil
        let sequence = handedOutCount
        handedOutCount += 1
        if try reader.nextGrain() == nil { finishLocked() }
        return (chunk, sequence, ticket, Int(consumed))
    }

    /// The stream was read to its end and passed every check.
    private func finishLocked() {
        finished = true
        tracker.seal()
        // Metadata after the last grain (tables, footer, the rest of an OVA) counts as read.
        progress.chunkCompleted(length: Int(source.raw.bytesRead - credited))
        credited = source.raw.bytesRead
    }

    /// The chunk for grains covering `ranges` (sorted, inside one unit): each widened to
    /// the 4 KiB grid the zero scan and the content digest use, clamped to the unit.
    static func chunk(covering ranges: [Range<UInt64>], unitEnd: UInt64) -> ImportChunk {
        let grid = UInt64(ZeroScan.blockSize)
        var parts: [Range<UInt64>] = []
        for range in ranges {
            let start = range.lowerBound / grid * grid
            let end = min(unitEnd, (range.upperBound + grid - 1) / grid * grid)
            if let last = parts.last, start <= last.upperBound {
                parts[parts.count - 1] = last.lowerBound..<max(last.upperBound, end)
            } else {
                parts.append(start..<end)
            }
        }
        let offset = parts[0].lowerBound
        return ImportChunk(
            offset: offset, length: Int(parts[parts.count - 1].upperBound - offset),
            parts: parts.map { Int($0.lowerBound - offset)..<Int($0.upperBound - offset) })
    }
}
