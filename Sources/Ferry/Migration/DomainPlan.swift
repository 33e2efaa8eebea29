import Ceph

/// Everything besides the ``VirtualMachine`` that decides what its libvirt domain looks
/// like: where its disks live in Ceph, how to reach the cluster, and the hardware policies.
///
/// The plan holds the cephx *user name* and the libvirt *secret UUID*, never the key: the
/// XML built from it can be logged, stored in a job record or shown in `--dry-run` output.
public struct DomainPlan: Sendable {
    /// The domain name; `nil` uses the VM's name. Either way it passes through
    /// ``DomainName/sanitize(_:)``. Uniqueness on the node is the caller's check.
    public var name: String?
    /// One RBD image per hard disk of the VM, parallel to ``VirtualMachine/importableDisks``
    /// (the VM's `.disk` devices in their boot order).
    public var disks: [RBDSpec]
    /// The cluster's monitors; every address of every monitor becomes a `<host>` so a guest
    /// keeps its disks while any one monitor is down.
    public var monitors: [Monitor]
    /// The cephx user QEMU authenticates as, without `client.` (a leading `client.` is dropped).
    public var cephUser: String
    /// The UUID of the libvirt `ceph` secret holding that user's key on every node
    /// (see ``CephSecretProvisioner``).
    public var secretUUID: String
    public var busPolicy: BusPolicy
    /// VMware network (port group) name → where the NIC is plugged on the KVM side.
    public var networks: [String: NetworkTarget]
    /// Where NICs on networks missing from ``networks`` go; `nil` makes them an error.
    public var defaultNetwork: NetworkTarget?
    /// Keep e1000/e1000e NICs as emulated Intel adapters instead of virtio-net, for guests
    /// without virtio drivers.
    public var keepNICModels: Bool
    /// Keep VMware's paravirtual devices (PVSCSI as `vmpvscsi`, VMXNET3 as `vmxnet3`) for a
    /// guest that has VMware Tools drivers but no virtio ones. Only for nodes whose QEMU
    /// emulates them: Debian's does (QEMU 7.2 here starts both), RHEL's builds leave them out.
    public var emulateVMwareParavirtual: Bool
    public var domainType: DomainType
    /// `nil`: `q35` for EFI guests (Secure Boot requires it), `pc` for BIOS guests, the
    /// chipset closest to what VMware gave them (IDE and an i440BX-era PCI bus).
    public var machine: MachineType?
    public var cpuMode: CPUMode
    public var serial: SerialDevice
    /// Address the VNC server listens on; `nil` for a domain without graphics.
    public var vncListen: String?

    public init(
        name: String? = nil, disks: [RBDSpec], monitors: [Monitor], cephUser: String, secretUUID: String,
        busPolicy: BusPolicy = .virtio, networks: [String: NetworkTarget] = [:], defaultNetwork: NetworkTarget? = nil,
        keepNICModels: Bool = false, emulateVMwareParavirtual: Bool = false, domainType: DomainType = .kvm,
        machine: MachineType? = nil, cpuMode: CPUMode = .hypervisorDefault, serial: SerialDevice = .pty,
        vncListen: String? = "127.0.0.1"
    ) {
        self.name = name
        self.disks = disks
        self.monitors = monitors
        self.cephUser = cephUser
        self.secretUUID = secretUUID
        self.busPolicy = busPolicy
        self.networks = networks
        self.defaultNetwork = defaultNetwork
        self.keepNICModels = keepNICModels
        self.emulateVMwareParavirtual = emulateVMwareParavirtual
        self.domainType = domainType
        self.machine = machine
        self.cpuMode = cpuMode
        self.serial = serial
        self.vncListen = vncListen
    }

    /// Which disk buses the guest sees.
    public enum BusPolicy: String, Sendable, Hashable, CaseIterable {
        /// Every hard disk becomes virtio-blk (`vda`, `vdb`, …): the fastest path, for guests
        /// that have virtio drivers (any current Linux; Windows with virtio-win installed).
        case virtio
        /// Disks stay on the bus VMware gave them (SCSI with a mapped controller model, SATA,
        /// IDE) at the same controller and unit where KVM allows it, for guests without
        /// virtio drivers.
        case keep
    }

    /// `<domain type=…>`.
    public enum DomainType: String, Sendable, Hashable, CaseIterable {
        /// Hardware virtualisation; what production nodes run.
        case kvm
        /// QEMU's TCG emulation, for hosts without /dev/kvm.
        case qemu
    }

    /// `<type machine=…>`.
    public enum MachineType: String, Sendable, Hashable, CaseIterable {
        case pc, q35
    }

    /// `<cpu mode=…>`.
    public enum CPUMode: String, Sendable, Hashable, CaseIterable {
        /// No `mode`: libvirt's default CPU model (qemu64 for x86). Starts on every host,
        /// including nested KVM that refuses host CPU features, but lacks x86-64-v2, which
        /// guests such as RHEL 9 require.
        case hypervisorDefault
        /// The host CPU's model and features, expanded when the domain starts; still
        /// migratable between nodes with the same CPU generation.
        case hostModel = "host-model"
        /// The host CPU as is; fastest, but ties the domain to identical CPUs.
        case hostPassthrough = "host-passthrough"
    }

    /// Where the guest's first serial port goes.
    public enum SerialDevice: Sendable, Hashable {
        /// A pseudo-terminal: `virsh console`.
        case pty
        /// Appended to a file on the node (absolute path); QEMU opens it.
        case file(path: String)
        /// No serial port.
        case none
    }
}

extension RBDSpec {
    /// libvirt splits the source name at `/` and a trailing `@` would select a snapshot, so
    /// neither may appear inside a component.
    var isValid: Bool {
        [pool, namespace, image].compactMap { $0 }.allSatisfy { component in
            !component.isEmpty && !component.contains("/") && !component.contains("@")
        }
    }
}

/// Where a NIC is plugged on the KVM side.
public enum NetworkTarget: Sendable, Hashable, CustomStringConvertible {
    /// A Linux bridge on the node (`<interface type='bridge'>`).
    case bridge(String)
    /// A libvirt network (`<interface type='network'>`).
    case network(String)
    /// An Open vSwitch bridge (`<interface type='bridge'>` with `<virtualport type='openvswitch'/>`).
    case openVSwitch(bridge: String)

    /// Parses `bridge:NAME`, `network:NAME` or `ovs:NAME`, the form `--network VMNET=TARGET` takes.
    public init?(argument: String) {
        guard let colon = argument.firstIndex(of: ":") else { return nil }
        let kind = argument[..<colon].lowercased()
        let name = String(argument[argument.index(after: colon)...])
        guard !name.isEmpty else { return nil }
        switch kind {
        case "bridge": self = .bridge(name)
        case "network": self = .network(name)
        case "ovs", "openvswitch": self = .openVSwitch(bridge: name)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .bridge(let name): "bridge:\(name)"
        case .network(let name): "network:\(name)"
        case .openVSwitch(let bridge): "ovs:\(bridge)"
        }
    }
}
