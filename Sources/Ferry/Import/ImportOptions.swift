import VSphere
import Ceph

/// How one disk is imported.
public struct ImportOptions: Sendable {
    /// Settings of the new image; unset fields take the cluster's defaults, as `rbd create`.
    public var image: ImageCreateOptions
    /// RBD writes in flight at most (each up to one object). 16 × 4 MiB reached ~88% of
    /// `rbd bench` on a single bluestore OSD; 8 only ~70%.
    public var writeWindow: Int
    /// Threads reading and inflating the source in parallel.
    public var readers: Int
    /// Continue an unfinished import of the same source into the same image.
    public var resume: Bool
    /// Read the image back after writing and compare its content digest with the source's.
    public var verify: Bool
    /// The snapshot taken as the rollback point once the image is complete; `nil` for none.
    public var snapshotName: String?
    /// How often the resume watermark is written to the image's metadata.
    public var checkpointInterval: Duration
    /// A cap on the bytes per second this import (or the window it shares) moves; nil for none.
    public var maxBytesPerSecond: UInt64?

    public init(
        image: ImageCreateOptions = .init(), writeWindow: Int = 16, readers: Int = ImportOptions.defaultReaders,
        resume: Bool = false, verify: Bool = false, snapshotName: String? = "ferry-imported",
        checkpointInterval: Duration = .seconds(2), maxBytesPerSecond: UInt64? = nil
    ) {
        self.maxBytesPerSecond = maxBytesPerSecond
        self.image = image
        self.writeWindow = writeWindow
        self.readers = readers
        self.resume = resume
        self.verify = verify
        self.snapshotName = snapshotName
        self.checkpointInterval = checkpointInterval
    }

    /// One reader per core, at least two so a read never waits for another's inflate.
    public static var defaultReaders: Int { max(2, System.coreCount) }

    /// The readers for `source` when none were asked for: for a disk on a vSphere datastore
    /// at least one per connection to its host, since each reader waits on one HTTPS range
    /// at a time and ESXi caps every connection's rate (2 readers on a 2-core host would
    /// leave 2 of the default 4 connections idle, half the throughput).
    public static func defaultReaders(for source: String) -> Int {
        guard VSphereURL.names(source), let url = try? VSphereURL.parse(source),
            let endpoint = try? VSphereSessions.shared.endpoint(url.endpoint)
        else { return defaultReaders }
        return max(defaultReaders, endpoint.connectionsPerHost)
    }
}

enum System {
    static var coreCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

#if canImport(Glibc)
import Glibc
#endif
