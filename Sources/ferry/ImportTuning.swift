import ArgumentParser
import Ceph
import Ferry

/// How disks are written: the options `import-disk` and `migrate` share, validated here once
/// and turned into the engine's `ImportOptions`.
struct ImportTuning: ParsableArguments {
    @Option(help: "RBD writes in flight at once (each up to one object); for migrate, across all the VM's disks.")
    var parallel: Int = 16

    @Option(help: "Threads reading and inflating the source (default: one per core, at least 2; for a vsphere:// source at least one per connection to its host).")
    var readers: Int?

    @Option(help: "Cap the import at this many MiB/s (to spare production traffic).")
    var maxRate: Double?

    @Option(help: "Object size in bytes, power of two from 4096 to 33554432 (default: the pool's, as rbd create).")
    var objectSize: UInt64?

    @Option(help: "Pool for the image's data objects (e.g. erasure-coded).")
    var dataPool: String?

    @Option(help: "Image features as rbd spells them, e.g. layering,exclusive-lock (default: cluster's).")
    var imageFeature: String?

    @Option(help: "Seconds between checkpoints written to the image's metadata.")
    var checkpointInterval: Double = 2

    func validate() throws {
        guard parallel >= 1, parallel <= 256 else { throw ValidationError("--parallel must be 1…256") }
        if let readers, !(1...64).contains(readers) { throw ValidationError("--readers must be 1…64") }
        if let maxRate, !(maxRate > 0) { throw ValidationError("--max-rate must be a positive number of MiB/s") }
        guard checkpointInterval > 0, checkpointInterval <= 3600 else {
            throw ValidationError("--checkpoint-interval must be between 0 and 3600 seconds")
        }
        if let objectSize, ImageCreateOptions.order(forObjectSize: objectSize) == nil {
            throw ValidationError("--object-size must be a power of two from 4096 to 33554432")
        }
        if let dataPool, dataPool.isEmpty || dataPool.contains("/") {
            throw ValidationError("--data-pool takes a pool name, not '\(dataPool)'")
        }
        if let imageFeature, ImageFeatures(parsing: imageFeature) == nil {
            throw ValidationError("--image-feature: unknown feature in '\(imageFeature)'")
        }
    }

    /// The engine's options for these settings (validated by `validate()`), for `source`
    /// (which decides the default number of readers).
    func importOptions(resume: Bool, verify: Bool, source: String) -> ImportOptions {
        var options = ImportOptions(
            writeWindow: parallel, readers: readers ?? ImportOptions.defaultReaders(for: source), resume: resume, verify: verify,
            checkpointInterval: .milliseconds(Int(checkpointInterval * 1000)),
            maxBytesPerSecond: maxRate.map { UInt64($0 * 1_048_576) })
        options.image.order = objectSize.flatMap(ImageCreateOptions.order(forObjectSize:))
        options.image.dataPool = dataPool
        options.image.features = imageFeature.flatMap(ImageFeatures.init(parsing:))
        return options
    }
}
