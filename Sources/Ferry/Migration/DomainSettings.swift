/// What an admin says about a VM's domain, in the words of `migrate`'s flags and a plan's
/// keys: the one assembly of a ``DomainPlan`` from them, shared by `ferry migrate` and jobs.
/// Disks, monitors and the secret are filled in later by ``VMMigration/prepare()``.
public struct DomainSettings: Sendable, Hashable {
    public var name: String?
    /// Keep SATA/SCSI/IDE buses and emulated NIC models (guests without virtio drivers).
    public var keepBus: Bool
    /// VMware network name → `bridge:NAME`, `network:NAME` or `ovs:BRIDGE`.
    public var networks: [String: String]
    public var defaultNetwork: String?
    /// `kvm` or `qemu`.
    public var domainType: String
    /// A file on the node for the first serial port; a pty when nil.
    public var serialLog: String?

    public init(
        name: String? = nil, keepBus: Bool = false, networks: [String: String] = [:], defaultNetwork: String? = nil,
        domainType: String = "kvm", serialLog: String? = nil
    ) {
        self.name = name
        self.keepBus = keepBus
        self.networks = networks
        self.defaultNetwork = defaultNetwork
        self.domainType = domainType
        self.serialLog = serialLog
    }

    /// A setting that names no valid target or type.
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        public enum Setting: Sendable, Hashable {
            /// The target of this VMware network.
            case network(String)
            case defaultNetwork
            case domainType
        }
        public var setting: Setting
        public var value: String

        public var description: String {
            switch setting {
            case .network: "network target \"\(value)\" is not bridge:NAME, network:NAME or ovs:BRIDGE"
            case .defaultNetwork: "default network \"\(value)\" is not bridge:NAME, network:NAME or ovs:BRIDGE"
            case .domainType: "domain type \"\(value)\" is not kvm or qemu"
            }
        }
    }

    /// The domain plan, without disks, monitors or secret yet.
    /// - Throws: ``Invalid`` for the first network target, default network or domain type
    ///   that does not parse.
    public func domainPlan() throws(Invalid) -> DomainPlan {
        var plan = DomainPlan(name: name, disks: [], monitors: [], cephUser: "", secretUUID: "")
        plan.busPolicy = keepBus ? .keep : .virtio
        plan.keepNICModels = keepBus
        for (network, target) in networks.sorted(by: { $0.key < $1.key }) {
            guard let parsed = NetworkTarget(argument: target) else {
                throw Invalid(setting: .network(network), value: target)
            }
            plan.networks[network] = parsed
        }
        if let defaultNetwork {
            guard let parsed = NetworkTarget(argument: defaultNetwork) else {
                throw Invalid(setting: .defaultNetwork, value: defaultNetwork)
            }
            plan.defaultNetwork = parsed
        }
        guard let type = DomainPlan.DomainType(rawValue: domainType) else {
            throw Invalid(setting: .domainType, value: domainType)
        }
        plan.domainType = type
        if let serialLog { plan.serial = .file(path: serialLog) }
        return plan
    }
}
