import BlockingCalls
import Ceph
import VMDK

/// Imports several disks at once — the disks of one VM — under one shared `ImportWindow`,
/// so the VM's import is as fast as the cluster allows and its memory bound is the window,
/// not the number of disks.
struct MultiDiskImport: Sendable {
    /// One disk to import and where it goes.
    public struct Item: Sendable {
        public var source: ImportSource
        public var imageName: String

        public init(source: ImportSource, imageName: String) {
            self.source = source
            self.imageName = imageName
        }
    }

    public let items: [Item]
    public let pool: IOContext
    public let options: ImportOptions

    public init(items: [Item], pool: IOContext, options: ImportOptions) {
        self.items = items
        self.pool = pool
        self.options = options
    }

    /// Runs every import; the first failure cancels the others (each keeps its checkpoint,
    /// so `--resume` continues all of them). `report` gets (item index, progress).
    /// - Parameter shared: a window shared with other imports on this host (the service's
    ///   host-wide budget and bandwidth cap); by default, or when its buffers are smaller than
    ///   these images' objects, the disks get a window of their own.
    public func run(
        window shared: ImportWindow? = nil,
        report: @escaping @Sendable (Int, ImportProgress.Snapshot) -> Void = { _, _ in }
    ) async throws -> [ImportResult] {
        let importers = items.map {
            DiskImporter(source: $0.source, pool: pool, imageName: $0.imageName, options: options)
        }
        // Every disk's object size is known before the first image is created, so one window
        // serves them all and no disk is refused after another one's image exists.
        var sizes: [UInt64] = []
        for importer in importers { sizes.append(try await importer.requiredBufferSize()) }
        let window = ImportWindow.serving(
            sizes, shared: shared, buffers: options.writeWindow + options.readers,
            maxBytesPerSecond: options.maxBytesPerSecond)
        return try await withThrowingTaskGroup(of: (Int, ImportResult).self) { group in
            for (index, importer) in importers.enumerated() {
                group.addTask {
                    (index, try await importer.run(window: window) { report(index, $0) })
                }
            }
            var results = [ImportResult?](repeating: nil, count: items.count)
            for try await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
    }
}
