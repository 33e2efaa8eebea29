import Ceph
import FerryBasics
import Foundation
import VMwareConfig
import VSphere
import Yams

/// `ferry serve` / `ferry worker` / `ferry run` settings, from one YAML file (see
/// `config/ferry.example.yaml`, which documents every key). Every section is optional;
/// what is left out takes the defaults below, so a one-host setup needs a few lines.
public struct ServiceConfiguration: Sendable {
    public struct Cluster: Codable, Sendable, Hashable {
        /// Like `CEPH_CONF` / `--conf`.
        public var conf: String?
        /// cephx user without `client.` (`--id`).
        public var id: String?
        public var keyring: String?
        /// Seconds before an unreachable monitor is an error (`client_mount_timeout`).
        public var mountTimeout: Int?

        enum CodingKeys: String, CodingKey {
            case conf, id, keyring
            case mountTimeout = "mount_timeout"
        }
    }

    public struct Queue: Codable, Sendable, Hashable {
        public var pool: String = "rbd"
        public var namespace: String = "ferry-queue"

        init() {}

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            pool = try container.decodeIfPresent(String.self, forKey: .pool) ?? pool
            namespace = try container.decodeIfPresent(String.self, forKey: .namespace) ?? namespace
        }
    }

    public struct Limits: Codable, Sendable, Hashable {
        public var maxRunning: Int?
        public var perNode: Int?
        public var perDatastore: Int?
        /// Jobs reading from one ESXi host or vCenter at once.
        public var perSourceHost: Int?
        /// A cap on the bytes all imports on one host read and write together.
        public var maxMiBPerSecond: Int?

        enum CodingKeys: String, CodingKey {
            case maxRunning = "max_running", perNode = "per_node", perDatastore = "per_datastore"
            case perSourceHost = "per_source_host"
            case maxMiBPerSecond = "max_mib_per_second"
        }
    }

    public struct Workers: Codable, Sendable, Hashable {
        /// Jobs this host runs at once.
        public var slots: Int = 2
        /// RBD writes in flight on this host, across its jobs (each one object, 4 MiB).
        public var writeWindow: Int = 16
        public var readers: Int?
        public var leaseSeconds: Int = 30
        public var retryBackoffSeconds: Int = 30
        public var pollSeconds: Double = 2

        enum CodingKeys: String, CodingKey {
            case slots, readers
            case writeWindow = "write_window", leaseSeconds = "lease_seconds"
            case retryBackoffSeconds = "retry_backoff_seconds", pollSeconds = "poll_seconds"
        }

        init() {}

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            slots = try container.decodeIfPresent(Int.self, forKey: .slots) ?? slots
            writeWindow = try container.decodeIfPresent(Int.self, forKey: .writeWindow) ?? writeWindow
            readers = try container.decodeIfPresent(Int.self, forKey: .readers)
            leaseSeconds = try container.decodeIfPresent(Int.self, forKey: .leaseSeconds) ?? leaseSeconds
            retryBackoffSeconds = try container.decodeIfPresent(Int.self, forKey: .retryBackoffSeconds) ?? retryBackoffSeconds
            pollSeconds = try container.decodeIfPresent(Double.self, forKey: .pollSeconds) ?? pollSeconds
        }
    }

    public struct Server: Codable, Sendable, Hashable {
        /// `HOST:PORT`; loopback by default.
        public var listen: String = "127.0.0.1:8080"
        /// Bearer tokens: one `ROLE NAME SHA256HEX [EXPIRES]` line each (see `ferry token`).
        public var tokenFile: String?
        /// Listening beyond loopback without TLS must be asked for by name.
        public var allowInsecureListen: Bool = false
        /// Largest request body accepted (plans), in KiB.
        public var maxBodyKiB: Int = 1024

        enum CodingKeys: String, CodingKey {
            case listen
            case tokenFile = "token_file", allowInsecureListen = "allow_insecure_listen", maxBodyKiB = "max_body_kib"
        }

        init() {}

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? listen
            tokenFile = try container.decodeIfPresent(String.self, forKey: .tokenFile)
            allowInsecureListen = try container.decodeIfPresent(Bool.self, forKey: .allowInsecureListen) ?? allowInsecureListen
            maxBodyKiB = try container.decodeIfPresent(Int.self, forKey: .maxBodyKiB) ?? maxBodyKiB
        }
    }

    public var cluster = Cluster()
    public var queue = Queue()
    /// KVM nodes; nil means this host's `LIBVIRT_DEFAULT_URI` (or `qemu:///system`) as "local".
    public var nodes: [ClusterNode]?
    /// Datastore name → local folder, for `/vmfs/volumes/...` paths in VMX files.
    public var datastores: [String: String] = [:]
    /// Folders plans may read VMs from; plans naming anything else are refused. Empty: no limit.
    public var sourceRoots: [String] = []
    /// Network mappings every plan starts from (a plan's own override them).
    public var networks: [String: String] = [:]
    public var limits = Limits()
    /// ESXi hosts and vCenters plans may read VMs from (`vsphere://NAME/DATACENTER/VM`).
    public var vsphere: [VSphereSettings] = []
    public var workers = Workers()
    public var server = Server()
    /// Where the file was read from, for messages.
    public var source: String = "built-in defaults"

    public init() {}

    /// Parses the YAML form.
    /// - Throws: `ConfigurationError` (file + field) for malformed YAML, unknown keys or bad values.
    public init(yaml text: String, source: String) throws(ConfigurationError) {
        struct File: Decodable {
            var cluster: Cluster?
            var queue: Queue?
            var nodes: [ClusterNode]?
            var datastores: [String: String]?
            var sourceRoots: [String]?
            var networks: [String: String]?
            var limits: Limits?
            var vsphere: [VSphereSettings]?
            var workers: Workers?
            var server: Server?
            enum CodingKeys: String, CodingKey {
                case cluster, queue, nodes, datastores, networks, limits, workers, server, vsphere
                case sourceRoots = "source_roots"
            }
        }
        let file: File?
        do {
            let keys = try Self.topLevelKeys(text)
            let known = [
                "cluster", "queue", "nodes", "datastores", "source_roots", "networks", "limits", "vsphere", "workers", "server",
            ]
            if let unknown = keys.first(where: { !known.contains($0) }) {
                throw ConfigurationError(.malformed, source: source, "unknown section \"\(unknown)\" (known: \(known.joined(separator: ", ")))")
            }
            // A file of comments only (like a fresh copy of the example) means the defaults.
            file = try Yams.compose(yaml: text) == nil ? nil : try YAMLDecoder().decode(File.self, from: text)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(.malformed, source: source, DecodingErrorText.describe(error))
        }
        self.source = source
        cluster = file?.cluster ?? Cluster()
        queue = file?.queue ?? Queue()
        nodes = file?.nodes
        datastores = file?.datastores ?? [:]
        sourceRoots = (file?.sourceRoots ?? []).map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0).standardized.path : $0 }
        networks = file?.networks ?? [:]
        limits = file?.limits ?? Limits()
        vsphere = file?.vsphere ?? []
        workers = file?.workers ?? Workers()
        server = file?.server ?? Server()
        try validate()
    }

    /// Reads and parses a configuration file.
    /// - Throws: `ConfigurationError` `.unreadable` in the errno's words ("No such file or
    ///   directory (ENOENT)"), or as ``init(yaml:source:)``.
    public init(contentsOf path: String) throws(ConfigurationError) {
        let text: String?
        do throws(WholeFile.Failure) {
            text = try WholeFile.utf8Text(path)
        } catch {
            throw ConfigurationError(.unreadable, source: path, "cannot read the configuration: \(error)")
        }
        guard let text else {
            throw ConfigurationError(.unreadable, source: path, "cannot read the configuration: not UTF-8 text")
        }
        try self.init(yaml: text, source: path)
    }

    private static func topLevelKeys(_ text: String) throws -> [String] {
        guard case .mapping(let mapping)? = try Yams.compose(yaml: text) else { return [] }
        return mapping.keys.compactMap(\.string)
    }

    private func validate() throws(ConfigurationError) {
        func fail(_ message: String) -> ConfigurationError { ConfigurationError(.invalidValue, source: source, message) }
        if let nodes { do { _ = try NodeInventory(nodes: nodes) } catch { throw fail("nodes: \(error.message)") } }
        for (name, target) in networks where NetworkTarget(argument: target) == nil {
            throw fail("networks: \"\(name)\" maps to \"\(target)\", not bridge:NAME, network:NAME or ovs:BRIDGE")
        }
        if workers.slots < 1 || workers.slots > 64 { throw fail("workers.slots must be 1…64, not \(workers.slots)") }
        if workers.writeWindow < 1 || workers.writeWindow > 128 {
            throw fail("workers.write_window must be 1…128, not \(workers.writeWindow)")
        }
        if workers.leaseSeconds < 6 { throw fail("workers.lease_seconds must be at least 6, not \(workers.leaseSeconds)") }
        for (name, value) in [
            ("max_running", limits.maxRunning), ("per_node", limits.perNode), ("per_datastore", limits.perDatastore),
            ("per_source_host", limits.perSourceHost), ("max_mib_per_second", limits.maxMiBPerSecond),
        ] {
            if let value, value < 1 { throw fail("limits.\(name) must be at least 1, not \(value)") }
        }
        for endpoint in vsphere {
            do { try endpoint.validate() } catch { throw fail(error.message) }
        }
        if Set(vsphere.map(\.name)).count != vsphere.count { throw fail("vsphere: two endpoints have the same name") }
        if queue.pool.isEmpty || queue.namespace.isEmpty { throw fail("queue.pool and queue.namespace must not be empty") }
        if sourceRoots.contains(where: { !$0.hasPrefix("/") }) {
            throw fail("source_roots must be absolute folders")
        }
    }

    /// The cluster connection settings, with the command line's Ceph options filling gaps.
    public func clusterConfiguration(fallback: ClusterConfiguration) -> ClusterConfiguration {
        var configuration = fallback
        if let conf = cluster.conf { configuration.configFile = conf }
        if let id = cluster.id { configuration.userID = id }
        if let keyring = cluster.keyring { configuration.keyring = keyring }
        if let timeout = cluster.mountTimeout { configuration.options["client_mount_timeout"] = String(timeout) }
        return configuration
    }

    /// The node inventory: the configured nodes, or this host's libvirt as "local".
    public func inventory() throws -> NodeInventory {
        try nodes.map { try NodeInventory(nodes: $0) } ?? NodeInventory.thisHost()
    }

    public var scheduler: JobScheduler {
        JobScheduler(
            limits: JobLimits(
                maxRunning: limits.maxRunning, perNode: limits.perNode, perDatastore: limits.perDatastore,
                perSourceHost: limits.perSourceHost))
    }

    public var datastoreMap: DatastoreMap { DatastoreMap(datastores) }
}
