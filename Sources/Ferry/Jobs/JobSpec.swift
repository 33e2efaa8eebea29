import Foundation
import VSphere

/// What one job does: one VM of a plan, with the plan's defaults already applied.
public struct JobSpec: Codable, Sendable, Hashable {
    /// The VM's `.vmx` or `.ova`.
    public var source: String
    /// Domain name; the VM's display name when absent.
    public var name: String?
    public var pool: String
    public var namespace: String?
    /// A fixed node, or nil for automatic placement.
    public var node: String?
    /// VMware network name → `bridge:NAME`, `network:NAME` or `ovs:BRIDGE`.
    public var networks: [String: String]
    public var defaultNetwork: String?
    public var keepBus: Bool
    public var start: Bool
    /// Higher runs first.
    public var priority: Int
    public var domainType: String
    /// The datastore (or source folder) the disks are read from, for per-datastore limits.
    public var datastore: String
    /// RBD object size in bytes for the images; the pool's default when nil. Records queued
    /// before this field existed decode it as nil, as they were imported.
    public var objectSize: UInt64?
    /// A separate (e.g. erasure-coded) pool for the images' data objects.
    public var dataPool: String?
    /// The ESXi host or vCenter a `vsphere://` source is read from (its SDK URL's host), for
    /// `limits.per_source_host`; nil for local sources.
    public var sourceHost: String?
    /// How a running vSphere VM is brought down before the copy (nil: it is refused).
    public var shutdown: ShutdownPolicy?

    public init(
        source: String, name: String? = nil, pool: String, namespace: String? = nil, node: String? = nil,
        networks: [String: String] = [:], defaultNetwork: String? = nil, keepBus: Bool = false, start: Bool = false,
        priority: Int = 50, domainType: String = "kvm", datastore: String, objectSize: UInt64? = nil,
        dataPool: String? = nil, sourceHost: String? = nil, shutdown: ShutdownPolicy? = nil
    ) {
        self.source = source
        self.name = name
        self.pool = pool
        self.namespace = namespace
        self.node = node
        self.networks = networks
        self.defaultNetwork = defaultNetwork
        self.keepBus = keepBus
        self.start = start
        self.priority = priority
        self.domainType = domainType
        self.datastore = datastore
        self.objectSize = objectSize
        self.dataPool = dataPool
        self.sourceHost = sourceHost
        self.shutdown = shutdown
    }

    /// What lists show before the VM was inspected: the name, or the source's file name.
    public var displayName: String {
        name ?? URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
    }
}
