#if canImport(Glibc)
import Glibc
#endif

/// How to reach a Ceph cluster, spelled the way the `rbd` and `ceph` CLIs spell it.
///
/// The cephx key itself is never part of this value: it is read by librados from the
/// keyring file, so it cannot leak into process arguments, logs or job records.
public struct ClusterConfiguration: Sendable, Hashable {
    /// `--conf` / `CEPH_CONF`; `nil` lets librados search its default locations.
    public var configFile: String?
    /// `--id` / `--user`: the cephx user without the `client.` prefix.
    public var userID: String
    /// `--keyring`; `nil` uses what the config file says.
    public var keyring: String?
    /// Settings used where the config file and `CEPH_ARGS` say nothing.
    public var defaults: [String: String]
    /// Further `name=value` settings applied after the config file, overriding it.
    public var options: [String: String]

    /// Client timeouts are bounded so an unreachable monitor fails in seconds, not the
    /// five minutes librados waits by default. These are defaults only: a value the config
    /// file or `CEPH_ARGS` sets wins, as with every Ceph CLI.
    public static let defaultTimeouts: [String: String] = [
        "client_mount_timeout": "30",
        "rados_mon_op_timeout": "60",
    ]

    /// Settings the importer depends on, applied last. The librbd cache is off: Ferry writes
    /// each byte once in large object-aligned chunks, where a write-back cache only adds a
    /// copy and delays errors until flush. Zero-copy asynchronous writes are on: librbd would
    /// otherwise copy every buffer (measured: peak RSS of a 1.3 GiB import 233 → 140 MiB);
    /// Ferry keeps each buffer untouched until its write completes, which is what they need.
    public static let defaultOptions: [String: String] = [
        "rbd_cache": "false",
        "rbd_disable_zero_copy_writes": "false",
    ]

    public init(
        configFile: String? = nil, userID: String = "admin", keyring: String? = nil,
        options: [String: String] = ClusterConfiguration.defaultOptions,
        defaults: [String: String] = ClusterConfiguration.defaultTimeouts
    ) {
        self.configFile = configFile
        self.userID = userID
        self.keyring = keyring
        self.options = options
        self.defaults = defaults
    }

    /// The configuration the `rbd` CLI would use: `CEPH_CONF` from the environment when no
    /// explicit file is given, `client.admin` unless `--id` names another user.
    public static func fromEnvironment(
        configFile: String? = nil, userID: String? = nil, keyring: String? = nil
    ) -> ClusterConfiguration {
        let environmentConf = getenv("CEPH_CONF").map { String(cString: $0) }
        return ClusterConfiguration(
            configFile: configFile ?? environmentConf.flatMap { $0.isEmpty ? nil : $0 },
            userID: userID ?? "admin",
            keyring: keyring
        )
    }

    /// `client.<id>`, the entity name cephx knows.
    public var entityName: String { "client.\(userID)" }
}
