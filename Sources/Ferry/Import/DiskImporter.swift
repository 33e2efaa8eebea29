import BlockingCalls
import Ceph
import Foundation
import Synchronization
import VMDK

/// Streams one virtual disk's allocated data into a new RBD image.
///
/// Reader threads take a buffer from a fixed pool, read one object-aligned chunk of the
/// source (inflating compressed grains on that thread), drop its zero blocks, and submit
/// the rest as `rbd_aio_write`s on the one image handle. The source is a disk read anywhere
/// at once (its allocation map planned into chunks up front) or a ``SequentialSource``
/// read front to back, whose chunks are only known as the stream goes by. Each completion hands its buffer
/// back, so the pool bounds both memory and the write window. The resume watermark goes
/// to the image's metadata every few seconds; the image is marked complete only after a
/// flush (and, if asked, a full read-back comparison).
public struct DiskImporter: Sendable {
    public let source: ImportSource
    public let pool: IOContext
    public let imageName: String
    public let options: ImportOptions

    /// A stream's bad input is only found on the way, so unlike a disk opened from files
    /// its import can fail after the image was created: the image then stays marked
    /// unfinished (`ferry.state` is `importing`), never `complete`.
    public init(source: ImportSource, pool: IOContext, imageName: String, options: ImportOptions) {
        self.source = source
        self.pool = pool
        self.imageName = imageName
        self.options = options
    }

    /// How the source is named in errors and metadata, e.g. `vm1/disk0.vmdk`.
    public var sourceName: String { source.name }
    /// What must match for `--resume` to continue an image (path, size, timestamps).
    public var sourceIdentity: String { source.identity }
    /// Size of the virtual disk in bytes.
    public var capacity: UInt64 { source.capacity }

    private var spec: String { "\(pool.displayName)/\(imageName)" }

    /// Runs the import. `report` is called about twice a second from a background task.
    /// - Parameter window: shared with the other imports running at once; by default (or when
    ///   its buffers are smaller than this image's objects) the import gets its own, sized by
    ///   ``ImportWindow/serving(_:shared:buffers:maxBytesPerSecond:)``.
    public func run(
        window shared: ImportWindow? = nil, report: @escaping @Sendable (ImportProgress.Snapshot) -> Void = { _ in }
    ) async throws -> ImportResult {
        // Every librbd control call below is the Ceph module's async form, which runs off the
        // cooperative pool: imports run beside the API's request handlers in `ferry serve`.
        if options.resume, !source.isResumable { throw ImportSource.resumeRefusal }
        // A disk is fully validated (tables, chain, bounds) before anything is created; a
        // stream as far as its header and the metadata before its first grain. The window is
        // chosen before the image exists too, from the object size the image will have, so
        // no buffer check can fail once it was created.
        let map: [AllocationRun]
        let target: Target
        let window: ImportWindow
        do {
            map = try await source.allocationMap()
            let (objectSize, order) = try await plannedObjectSize()
            window = ImportWindow.serving(
                [objectSize, streamGrainSize], shared: shared, buffers: options.writeWindow + options.readers,
                maxBytesPerSecond: options.maxBytesPerSecond)
            if let finished = try await completedImport() {
                target = .finished(finished)
            } else {
                target = .opened(try await openTarget(order: order))
            }
        } catch {
            throw ImportError.explainingFullPool(error, image: spec)
        }
        let image: RBDImage
        switch target {
        case .finished(let result): return result
        case .opened(let opened): image = opened
        }
        do {
            let checkpoint = options.resume ? try await image.metadata(ImportMetadata.checkpoint) : nil
            let resumeFrom = checkpoint.flatMap { UInt64($0) } ?? 0
            let objectSize = try await image.stat().objectSize
            let result = try await importInto(
                image, map: map, objectSize: objectSize, resumeFrom: resumeFrom, window: window, report: report)
            try await image.close()
            return result
        } catch {
            try? await image.close()
            throw ImportError.explainingFullPool(error, image: spec)
        }
    }

    /// The largest buffer this import needs: its image's object size and, for a stream, its
    /// grain size. Learnt without creating anything, so a window can be chosen first.
    /// - Throws: `CephError` when the pool cannot be read.
    func requiredBufferSize() async throws -> UInt64 {
        max(try await plannedObjectSize().bytes, streamGrainSize)
    }

    /// The object size the image has (when it exists: resuming, or about to be refused) or
    /// will have: `--object-size`, else the order `rbd create` would pick in this pool.
    /// `order` is what the image is then created with, so the window and the image agree
    /// even if the cluster's default changed in between.
    private func plannedObjectSize() async throws -> (bytes: UInt64, order: Int) {
        if try await pool.imageExists(imageName) {
            let info = try await pool.withImage(imageName, readOnly: true) { try await $0.stat() }
            return (info.objectSize, info.order)
        }
        var order = options.image.order ?? 0
        if options.image.order == nil { order = try await pool.defaultImageOrder() }
        return (1 << UInt64(order), order)
    }

    private var streamGrainSize: UInt64 {
        if case .stream(let stream) = source.reader { return stream.grainSize }
        return 0
    }

    /// What the import starts from: an image already holding this source, or one to write.
    private enum Target: Sendable {
        case finished(ImportResult)
        case opened(RBDImage)
    }

    /// Creates the image, or reopens an unfinished one of the same source when resuming.
    private func openTarget(order: Int) async throws -> RBDImage {
        if try await pool.imageExists(imageName) {
            let image = try await pool.openImage(imageName)
            do {
                try await checkResumable(image)
                return image
            } catch {
                try? await image.close()
                throw error
            }
        }
        var settings = options.image
        settings.order = order
        try await pool.createImage(imageName, size: capacity, options: settings)
        let image = try await pool.openImage(imageName)
        do {
            try await image.setMetadata(ImportMetadata.state, to: ImportMetadata.State.importing.rawValue)
            try await image.setMetadata(ImportMetadata.source, to: sourceName)
            try await image.setMetadata(ImportMetadata.sourceIdentity, to: sourceIdentity)
            try await image.setMetadata(ImportMetadata.version, to: FerryVersion.string)
        } catch {
            try? await image.close()
            throw error
        }
        return image
    }

    /// With `resume`, an image that already holds a completed import of this very source is
    /// the result: re-running a migration after a later step failed must not copy again.
    private func completedImport() async throws -> ImportResult? {
        guard options.resume, try await pool.imageExists(imageName) else { return nil }
        let (state, identity, digest) = try await pool.withImage(imageName, readOnly: true) { image in
            (
                try await image.metadata(ImportMetadata.state), try await image.metadata(ImportMetadata.sourceIdentity),
                try await image.metadata(ImportMetadata.digest)
            )
        }
        guard state == ImportMetadata.State.complete.rawValue, identity == sourceIdentity, let digest else { return nil }
        return ImportResult(
            image: spec, capacity: capacity, allocatedBytes: 0, writtenBytes: 0, resumedFromOffset: capacity,
            elapsedSeconds: 0, verified: false, snapshot: options.snapshotName, digest: digest)
    }

    private func checkResumable(_ image: RBDImage) async throws {
        let state = try await image.metadata(ImportMetadata.state)
        if state == ImportMetadata.State.complete.rawValue {
            let source = try await image.metadata(ImportMetadata.source)
            throw ImportError(.targetExists, "\(spec) already exists and holds a completed import of \(source ?? "another source"); remove it or choose another name")
        }
        guard options.resume else {
            throw ImportError(.targetExists, "\(spec) already exists; use --resume to continue an unfinished import, or choose another name")
        }
        guard state == ImportMetadata.State.importing.rawValue else {
            throw ImportError(.targetExists, "\(spec) already exists and was not created by a Ferry import; refusing to overwrite it")
        }
        let identity = try await image.metadata(ImportMetadata.sourceIdentity)
        guard identity == sourceIdentity else {
            throw ImportError(.sourceChanged, "\(spec) holds an unfinished import of a different source (\(identity ?? "unknown")); refusing to resume")
        }
        guard try await image.size() == capacity else {
            throw ImportError(.sourceChanged, "\(spec) has a different size than \(sourceName); refusing to resume")
        }
    }

    private func importInto(
        _ image: RBDImage, map: [AllocationRun], objectSize: UInt64, resumeFrom: UInt64, window: ImportWindow,
        report: @escaping @Sendable (ImportProgress.Snapshot) -> Void
    ) async throws -> ImportResult {
        // The window was chosen for this object size before the image was created; this only
        // fails if the image changed in between, and then before a byte is written.
        guard UInt64(window.bufferSize) >= objectSize else {
            throw ImportError(.objectTooLarge, "\(spec) has \(objectSize)-byte objects, larger than the import window's \(window.bufferSize)-byte buffers")
        }
        switch source.reader {
        case .disk(let disk):
            let cursor = ChunkCursor(map: map, objectSize: objectSize, capacity: capacity)
            // One walk of the plan for the totals; the feed walks it again as it goes.
            var totals = cursor
            var totalBytes: UInt64 = 0
            var resumedBytes: UInt64 = 0
            while let chunk = totals.next() {
                totalBytes += UInt64(chunk.dataLength)
                if chunk.end <= resumeFrom { resumedBytes += UInt64(chunk.dataLength) }
            }
            let progress = ImportProgress(totalBytes: totalBytes, resumedBytes: resumedBytes)
            let tracker = CheckpointTracker(capacity: capacity)
            let feed = PlannedChunkFeed(disk: disk, cursor: cursor, resumeFrom: resumeFrom, tracker: tracker)
            return try await write(
                into: image, feed: feed, tracker: tracker, progress: progress, objectSize: objectSize,
                resumeFrom: resumeFrom, window: window, report: report)
        case .stream(let stream):
            guard UInt64(window.bufferSize) >= stream.grainSize else {
                throw ImportError(.objectTooLarge, "\(stream.displayPath) has \(stream.grainSize)-byte grains, larger than the import window's \(window.bufferSize)-byte buffers")
            }
            let progress = ImportProgress(totalBytes: stream.length, resumedBytes: 0, measure: .sourceBytes)
            let tracker = CheckpointTracker(capacity: capacity)
            let feed = StreamChunkFeed(
                source: stream, objectSize: objectSize, resumeFrom: resumeFrom, tracker: tracker,
                progress: progress)
            return try await write(
                into: image, feed: feed, tracker: tracker, progress: progress, objectSize: objectSize,
                resumeFrom: resumeFrom, window: window, report: report)
        }
    }

    /// Runs the reader threads over `feed`, keeps the checkpoint, and finishes the image.
    private func write<Feed: ChunkFeed>(
        into image: RBDImage, feed: Feed, tracker: CheckpointTracker, progress: ImportProgress, objectSize: UInt64,
        resumeFrom: UInt64, window: ImportWindow, report: @escaping @Sendable (ImportProgress.Snapshot) -> Void
    ) async throws -> ImportResult {
        let pipeline = WritePipeline(
            feed: feed, image: image, tracker: tracker, progress: progress, objectSize: objectSize, window: window,
            readers: options.readers)
        // Wake at least as often as checkpoints are due; progress is reported on the same beat.
        let tick = min(Duration.milliseconds(500), options.checkpointInterval)
        let checkpointInterval = options.checkpointInterval
        let digest: String
        do {
            // The reporter is a child task beside the pipeline, cancelled once the pipeline's
            // digest is in; a failing pipeline cancels it by leaving the group.
            digest = try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask {
                    var lastCheckpoint = ContinuousClock.now
                    var savedWatermark = resumeFrom
                    while !Task.isCancelled {
                        try? await Task.sleep(for: tick)
                        report(progress.snapshot())
                        if ContinuousClock.now - lastCheckpoint >= checkpointInterval {
                            lastCheckpoint = .now
                            let watermark = max(resumeFrom, tracker.watermark)
                            if watermark != savedWatermark {
                                try? await image.setMetadata(ImportMetadata.checkpoint, to: String(watermark))
                                savedWatermark = watermark
                            }
                        }
                    }
                    return nil
                }
                group.addTask {
                    try await withTaskCancellationHandler {
                        try await pipeline.run()
                    } onCancel: {
                        pipeline.stop()
                    }
                }
                var digest: String?
                for try await result in group where result != nil {
                    digest = result
                    group.cancelAll()
                }
                return digest!  // the pipeline returns its digest or throws
            }
        } catch {
            // Keep what was finished so --resume continues from here.
            let watermark = max(resumeFrom, tracker.watermark)
            try? await image.setMetadata(ImportMetadata.checkpoint, to: String(watermark))
            throw error
        }
        try await image.flush()
        try await image.setMetadata(ImportMetadata.checkpoint, to: String(capacity))
        try await image.setMetadata(ImportMetadata.digest, to: digest)
        report(progress.snapshot())

        if options.verify {
            let readBack = try await ImageVerifier(
                image: image, capacity: capacity, objectSize: objectSize, readers: options.readers
            ).digest()
            guard readBack == digest else {
                throw ImportError(.verifyMismatch, "verify: \(spec) does not hold what \(sourceName) holds (source \(digest), image \(readBack)); the image stays marked unfinished")
            }
        }
        try await image.setMetadata(ImportMetadata.importedAt, to: ISO8601DateFormatter().string(from: Date()))
        if let snapshotName = options.snapshotName { try await image.createSnapshot(snapshotName) }
        // Last: only now does the image count as a finished import.
        try await image.setMetadata(ImportMetadata.state, to: ImportMetadata.State.complete.rawValue)
        try await image.removeMetadata(ImportMetadata.checkpoint)
        let final = progress.snapshot()
        return ImportResult(
            image: spec, capacity: capacity, allocatedBytes: progress.coveredDataBytes, writtenBytes: final.writtenBytes,
            resumedFromOffset: resumeFrom, elapsedSeconds: final.elapsedSeconds, verified: options.verify,
            snapshot: options.snapshotName, digest: digest)
    }
}
