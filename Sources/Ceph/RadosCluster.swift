import CCeph
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A connection to a Ceph cluster: one `rados_t`, shut down exactly once.
///
/// Everything opened from it (I/O contexts, images) keeps it alive, so it is shut down
/// only after the last of them is gone.
public final class RadosCluster: Sendable {
    /// `rados_t` is safe to share between threads once connected (librados' own guarantee).
    private let handle: Mutex<rados_t?>
    public let configuration: ClusterConfiguration

    /// Connects with `rados_create2`, `rados_conf_read_file`, `rados_conf_set` and `rados_connect`.
    ///
    /// - Throws: `CephError` with `.notFound` for a missing config file, `.permissionDenied` for
    ///   a refused cephx key, `.timedOut` when no monitor answers within `client_mount_timeout`.
    public init(configuration: ClusterConfiguration) throws(CephError) {
        self.configuration = configuration
        var raw: rados_t?
        try check(rados_create2(&raw, "ceph", configuration.entityName, 0), "rados create for \(configuration.entityName)")
        guard let cluster = raw else {
            throw CephError(code: .unknown, errno: 0, operation: "rados create")
        }
        do throws(CephError) {
            try Self.configure(cluster, configuration)
            try check(rados_connect(cluster), Self.connectDescription(configuration))
        } catch {
            rados_shutdown(cluster)
            throw error
        }
        self.handle = Mutex(cluster)
    }

    private static func configure(_ cluster: rados_t, _ configuration: ClusterConfiguration) throws(CephError) {
        // librados' own defaults, read before the file: a default of Ferry's replaces one
        // only if neither the file nor CEPH_ARGS changed it (values set through the API
        // would take precedence over the file, so they cannot simply be set first).
        let builtIn = configuration.defaults.keys.map { ($0, Self.value(of: $0, in: cluster)) }
        let confResult: Int32
        if let file = configuration.configFile {
            confResult = rados_conf_read_file(cluster, file)
        } else {
            confResult = rados_conf_read_file(cluster, nil)
        }
        // Without a config file librados has no monitors; say which file was missing.
        try check(confResult, "rados read config \(configuration.configFile ?? "(default search path)")")
        // CEPH_ARGS is honoured as by every Ceph CLI.
        try check(rados_conf_parse_env(cluster, "CEPH_ARGS"), "rados parse CEPH_ARGS")
        for (name, librados) in builtIn.sorted(by: { $0.0 < $1.0 }) where Self.value(of: name, in: cluster) == librados {
            try check(rados_conf_set(cluster, name, configuration.defaults[name]!), "rados set option \(name)")
        }
        if let keyring = configuration.keyring {
            try check(rados_conf_set(cluster, "keyring", keyring), "rados set keyring \(keyring)")
        }
        for (name, value) in configuration.options.sorted(by: { $0.key < $1.key }) {
            try check(rados_conf_set(cluster, name, value), "rados set option \(name)")
        }
    }

    private static func value(of name: String, in cluster: rados_t) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard rados_conf_get(cluster, name, &buffer, buffer.count) == 0 else { return nil }
        return String(nulTerminated: buffer)
    }

    private static func connectDescription(_ configuration: ClusterConfiguration) -> String {
        "rados connect as \(configuration.entityName) using \(configuration.configFile ?? "default ceph.conf")"
    }

    deinit {
        handle.withLock { cluster in
            if let cluster { rados_shutdown(cluster) }
        }
    }

    /// Runs `body` while the connection is open, holding off `shutdown` until it returns;
    /// does nothing once it is shut down. For releasing pool contexts and images from
    /// `deinit`, which may run on any thread after a command already shut the cluster down.
    func whileOpen(_ body: () -> Void) {
        handle.withLock { cluster in
            if cluster != nil { body() }
        }
    }

    /// Shuts the connection down (`rados_shutdown`). Idempotent; later calls on this
    /// cluster or anything opened from it fail with `.connectionFailed`.
    ///
    /// A command calls this before it exits: the last reference to a cluster may otherwise
    /// be dropped on a librados callback or worker thread while the process is exiting,
    /// and librados' threads would then run into its static destructors.
    public func shutdown() {
        handle.withLock { cluster in
            if let open = cluster { rados_shutdown(open) }
            cluster = nil
        }
    }

    /// Lends the connected `rados_t` to `body`.
    func withHandle<T>(_ operation: String, _ body: (rados_t) throws(CephError) -> T) throws(CephError) -> T {
        let cluster = handle.withLock { $0 }
        guard let cluster else {
            throw CephError(code: .connectionFailed, errno: 0, operation: operation, detail: "cluster connection closed")
        }
        return try body(cluster)
    }

    /// Reads a configuration value as librados resolved it (`rados_conf_get`), e.g. `mon_host`.
    public func configValue(_ name: String) throws(CephError) -> String {
        try withHandle("rados get option \(name)") { (cluster) throws(CephError) -> String in
            var buffer = [CChar](repeating: 0, count: 4096)
            try check(rados_conf_get(cluster, name, &buffer, buffer.count), "rados get option \(name)")
            return String(nulTerminated: buffer)
        }
    }

    /// The cluster's fsid (`rados_cluster_fsid`).
    public func fsid() throws(CephError) -> String {
        try withHandle("rados fsid") { (cluster) throws(CephError) -> String in
            var buffer = [CChar](repeating: 0, count: 64)
            try check(rados_cluster_fsid(cluster, &buffer, buffer.count), "rados fsid")
            return String(nulTerminated: buffer)
        }
    }

    /// Opens an I/O context on `pool`, optionally restricted to a RADOS namespace.
    public func ioContext(pool: String, namespace: String? = nil) throws(CephError) -> IOContext {
        try IOContext(cluster: self, pool: pool, namespace: namespace)
    }
}

extension RadosCluster {
    /// A warning when the keyring this connection reads its key from is readable by group
    /// or others; nil when it is private (or there is none, e.g. cephx off).
    public func keyringExposureWarning() -> String? {
        (try? keyringPath()).flatMap(Keyring.exposureWarning)
    }

    /// The keyring file librados uses for this connection: `--keyring` if given, else the
    /// first existing file of the configured `keyring` search list.
    public func keyringPath() throws(CephError) -> String {
        if let keyring = configuration.keyring { return keyring }
        let list = try configValue("keyring")
        let candidates = list.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " }).map(String.init)
        guard let found = candidates.first(where: { access($0, R_OK) == 0 }) else {
            throw CephError(code: .notFound, errno: ENOENT, operation: "find keyring for \(configuration.entityName)",
                            detail: "none of \(list) is readable")
        }
        return found
    }
}
