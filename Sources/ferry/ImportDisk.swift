import ArgumentParser
import Ceph
import Ferry
import Foundation
import VMDK

extension FerryCommand {
    struct ImportDisk: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-disk",
            abstract: "Import one VMware disk (.vmdk, or a disk inside an .ova) into a new RBD image.",
            discussion: """
                Only allocated, non-zero data is written, with many asynchronous writes in flight on one image.
                Progress is checkpointed in the image's metadata: after a crash, run the same command with --resume.
                The image counts as imported (metadata ferry.state=complete, snapshot ferry-imported) only at the end.
                SOURCE '-' reads a streamOptimized VMDK or an OVA from standard input (a pipe, e.g. from curl), front
                to back; an OVA file whose disk is streamOptimized is read the same way, in one pass, its manifest
                digests computed on the way.
                """
        )

        @Argument(help: "The source disk: a .vmdk (any VMware form), an .ova, or - for standard input.")
        var source: String

        @Argument(help: "Target image as POOL/IMAGE or POOL/NAMESPACE/IMAGE.")
        var target: ImageSpec

        @OptionGroup var ceph: CephOptions

        @Option(help: "RBD writes in flight at once (each up to one object).")
        var parallel: Int = 16

        @Option(help: "Threads reading and inflating the source.")
        var readers: Int = ImportOptions.defaultReaders

        @Option(help: "Object size in bytes, power of two from 4096 to 33554432 (default: cluster's, 4 MiB).")
        var objectSize: UInt64?

        @Option(help: "Pool for the image's data objects (e.g. erasure-coded).")
        var dataPool: String?

        @Option(help: "Image features as rbd spells them, e.g. layering,exclusive-lock (default: cluster's).")
        var imageFeature: String?

        @Flag(help: "Continue an unfinished import of the same source into the same image.")
        var resume = false

        @Flag(help: "Read the image back and compare it with the source byte for byte.")
        var verify = false

        @Option(help: "Additional directories extents and parent disks may live in (datastore roots).")
        var allowRoot: [String] = []

        @Option(help: "Cap the import at this many MiB/s (to spare production traffic).")
        var maxRate: Double?

        @Option(help: "Seconds between checkpoints written to the image's metadata.")
        var checkpointInterval: Double = 2

        @Option(help: "Progress display: auto, bar, json or none.")
        var progress: ProgressMode = .auto

        func validate() throws {
            guard parallel >= 1, parallel <= 256 else { throw ValidationError("--parallel must be 1…256") }
            guard readers >= 1, readers <= 64 else { throw ValidationError("--readers must be 1…64") }
            if let maxRate, !(maxRate > 0) { throw ValidationError("--max-rate must be a positive number of MiB/s") }
            guard checkpointInterval > 0, checkpointInterval <= 3600 else {
                throw ValidationError("--checkpoint-interval must be between 0 and 3600 seconds")
            }
            if let objectSize, ImageCreateOptions.order(forObjectSize: objectSize) == nil {
                throw ValidationError("--object-size must be a power of two from 4096 to 33554432")
            }
            if let imageFeature, ImageFeatures(parsing: imageFeature) == nil {
                throw ValidationError("--image-feature: unknown feature in '\(imageFeature)'")
            }
        }

        func run() async throws {
            // The source is opened (and, for a stream, its header checked) before the cluster is touched.
            let opened = try ImportSource.open(source, options: OpenOptions(allowedRoots: allowRoot), resume: resume)
            defer { opened.close() }
            let cluster = try ceph.connect()
            defer { cluster.shutdown() }
            let pool = try cluster.ioContext(pool: target.pool, namespace: target.namespace)
            var options = ImportOptions(
                writeWindow: parallel, readers: readers, resume: resume, verify: verify,
                checkpointInterval: .milliseconds(Int(checkpointInterval * 1000)),
                maxBytesPerSecond: maxRate.map { UInt64($0 * 1_048_576) })
            options.image.order = objectSize.flatMap(ImageCreateOptions.order(forObjectSize:))
            options.image.dataPool = dataPool
            options.image.features = imageFeature.flatMap(ImageFeatures.init(parsing:))

            let importer = DiskImporter(source: opened, pool: pool, imageName: target.image, options: options)
            let renderer = ProgressRenderer(mode: progress.resolved, label: target.description)
            let result = try await importer.run(report: renderer.render)
            renderer.finish()
            if progress.resolved == .json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(
                    "imported \(opened.name) into \(result.image): \(ProgressRenderer.bytes(result.capacity)) disk, "
                        + "\(ProgressRenderer.bytes(result.allocatedBytes)) allocated, "
                        + "\(ProgressRenderer.bytes(result.writtenBytes)) written in "
                        + String(format: "%.1f s", result.elapsedSeconds)
                        + (result.verified ? ", verified" : "")
                        + (opened.manifestStatus.map { ", manifest \($0)" } ?? "")
                        + (result.snapshot.map { ", snapshot @\($0)" } ?? ""))
            }
        }
    }
}
