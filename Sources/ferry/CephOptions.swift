import ArgumentParser
import Ceph

/// Ceph connection options spelled as the `rbd` CLI spells them.
struct CephOptions: ParsableArguments {
    @Option(name: [.customShort("c"), .long], help: "Ceph configuration file (default: $CEPH_CONF, then Ceph's search path).")
    var conf: String?

    @Option(name: [.long, .customLong("user")], help: "cephx user without the 'client.' prefix.")
    var id: String = "admin"

    @Option(help: "Keyring file holding the user's key (default: from the configuration file).")
    var keyring: String?

    var clusterConfiguration: ClusterConfiguration {
        .fromEnvironment(configFile: conf, userID: id, keyring: keyring)
    }

    /// Connects, warning on stderr when the keyring is readable by others (the connection
    /// still goes ahead: the admin may have reasons, but should know).
    func connect() throws -> RadosCluster {
        let cluster = try RadosCluster(configuration: clusterConfiguration)
        if let warning = cluster.keyringExposureWarning() { Output.standardError("ferry: warning: \(warning)\n") }
        return cluster
    }
}

/// Image arguments are spelt as rbd spells them, `POOL/IMAGE` or `POOL/NAMESPACE/IMAGE`.
extension RBDSpec: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
