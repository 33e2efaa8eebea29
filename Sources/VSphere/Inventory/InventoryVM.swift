import VMwareConfig

/// One VM as the vSphere API describes it: the properties Ferry reads, parsed, before they
/// become the ``VirtualMachine`` the VMX path also produces.
public struct InventoryVM: Sendable {
    public var object: ManagedObject
    public var name: String
    /// `poweredOn`, `poweredOff` or `suspended`.
    public var powerState: String
    /// `guestToolsRunning` when VMware Tools answer (a guest shutdown needs them).
    public var toolsRunningStatus: String?
    public var isTemplate: Bool
    /// `config.changeVersion`: changes whenever the configuration does (part of the
    /// source identity a resume compares).
    public var changeVersion: String?
    public var changeTrackingEnabled: Bool
    /// `[DS] folder/name.vmx`.
    public var vmxPath: DatastorePath?
    /// The snapshot tree's names, depth first.
    public var snapshots: [String]
    /// Every file of the VM (`layoutEx.file`): descriptors and extents of each disk and
    /// snapshot delta, the VMX, logs.
    public var files: [LayoutFile]
    public var machine: VirtualMachine
    /// Per disk slot (`scsi0:1`): the backing as vSphere names it, for refusals.
    public var diskBackings: [String: DiskBacking]

    public struct LayoutFile: Sendable, Hashable {
        public var name: String
        /// `diskDescriptor`, `diskExtent`, `config`, `log`, `snapshotData`, …
        public var type: String
        public var size: UInt64
    }

    /// What backs one virtual disk.
    public struct DiskBacking: Sendable, Hashable {
        /// `VirtualDiskFlatVer2BackingInfo`, `VirtualDiskSeSparseBackingInfo`, …
        public var type: String
        public var fileName: String?
        public var thin: Bool?
        /// Parent files, child first (the snapshot chain below the disk's head).
        public var parents: [String]
        public var capacity: UInt64?

        /// A short word for `ls`: flat, thin, sparse, seSparse, rdm, …
        public var kind: String {
            switch type {
            case "VirtualDiskFlatVer2BackingInfo", "VirtualDiskFlatVer1BackingInfo": thin == true ? "thin" : "flat"
            case "VirtualDiskSparseVer2BackingInfo", "VirtualDiskSparseVer1BackingInfo": "sparse"
            case "VirtualDiskSeSparseBackingInfo": "seSparse"
            case "VirtualDiskRawDiskMappingVer1BackingInfo", "VirtualDiskRawDiskVer2BackingInfo": "rdm"
            case "VirtualDiskLocalPMemBackingInfo": "pmem"
            default: type
            }
        }
    }

    /// Why Ferry would not migrate this VM as it is, one line each (empty: it can).
    public var refusals: [String] {
        var lines: [String] = []
        if isTemplate { lines.append("\(name) is a template; convert it to a VM first") }
        for (slot, backing) in diskBackings.sorted(by: { $0.key < $1.key }) {
            switch backing.kind {
            case "rdm":
                lines.append("\(slot) is a raw device mapping (\(backing.fileName ?? "?")); its data is on a LUN, not the datastore: copy the LUN itself")
            case "pmem":
                lines.append("\(slot) is on persistent memory, which has no datastore file to read")
            default:
                break
            }
        }
        for disk in machine.disks where disk.deviceType == .disk {
            let slot = "\(disk.bus.rawValue)\(disk.controller):\(disk.unit)"
            if disk.mode == .independentPersistent {
                lines.append("\(slot) is an independent disk: snapshots do not cover it, so Ferry would copy it while the VM could still change it; make it dependent or copy it by hand")
            }
        }
        return lines
    }

    /// Disks Ferry copies but warns about, one line each.
    public var notices: [String] {
        machine.disks.filter { $0.deviceType == .disk && $0.mode == .independentNonpersistent }.map {
            "\($0.bus.rawValue)\($0.controller):\($0.unit) is independent-nonpersistent: the guest's writes since power-on are not in the file, which is what Ferry copies"
        }
    }
}

extension VSphereSession {
    /// The properties an inventory listing and a migration read.
    static let vmPaths = [
        "name", "runtime.powerState", "guest.toolsRunningStatus", "config.template", "config.changeVersion",
        "config.changeTrackingEnabled", "config.files.vmPathName", "config.uuid", "config.instanceUuid",
        "config.guestId", "config.version", "config.annotation", "config.firmware",
        "config.bootOptions.efiSecureBootEnabled", "config.hardware.numCPU", "config.hardware.numCoresPerSocket",
        "config.hardware.memoryMB", "config.hardware.device", "config.extraConfig", "layoutEx.file", "snapshot",
    ]

    /// Every VM of `datacenter`, in name order.
    public func virtualMachines(in datacenter: Datacenter) async throws(VSphereError) -> [InventoryVM] {
        try await retrieve("VirtualMachine", paths: Self.vmPaths, under: datacenter.vmFolder)
            .map(InventoryVM.init(content:))
            .sorted { $0.name < $1.name }
    }

    /// The VM called `name` in `datacenter`: its name is looked up first, then only its own
    /// properties are read (a large vCenter's full configuration is megabytes).
    /// - Throws: `.notFound` naming the VM and datacenter.
    public func virtualMachine(named name: String, in datacenter: Datacenter) async throws(VSphereError) -> InventoryVM {
        let names = try await retrieve("VirtualMachine", paths: ["name"], under: datacenter.vmFolder)
        let matches = names.filter { $0.text("name") == name }
        guard let match = matches.first else {
            throw VSphereError(.notFound, "\(connection.endpoint.label) has no VM \(name) in datacenter \(datacenter.name)")
        }
        guard matches.count == 1 else {
            throw VSphereError(.notFound, "\(connection.endpoint.label) has \(matches.count) VMs named \(name) in datacenter \(datacenter.name); rename one")
        }
        guard let content = try await retrieve([match.object], paths: Self.vmPaths).first else {
            throw VSphereError(.notFound, "\(connection.endpoint.label): VM \(name) disappeared while being read")
        }
        return InventoryVM(content: content)
    }
}
