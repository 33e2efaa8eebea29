/// What Ferry needs to know about one VMware virtual machine, from a .vmx or an OVF
/// VirtualSystem: enough to size the guest, preserve its identity (UUID, MACs, generation
/// ID) and firmware, and find and order its disks.
///
/// The value is descriptive, not prescriptive: it keeps VMware's own names (guest OS id,
/// controller and NIC models) and leaves the choice of KVM equivalents to the domain
/// builder. Hardware Ferry cannot carry over is listed in ``warnings`` rather than dropped.
public struct VirtualMachine: Sendable, Codable, Hashable {
    /// `displayName` (VMX) or the VirtualSystem's `Name`/`ovf:id` (OVF).
    public var name: String
    /// The BIOS UUID (`uuid.bios`), as lowercase 8-4-4-4-12, or nil if the descriptor has none.
    public var uuid: String?
    /// vCenter's instance UUID (`vc.uuid`), same form. Newer libvirt uses it as the domain
    /// UUID and `uuid.bios` as the hardware UUID; Ferry keeps both.
    public var instanceUUID: String?
    /// Guest memory in MiB.
    public var memoryMiB: Int
    /// Number of virtual CPUs.
    public var vcpus: Int
    /// Cores per socket; always divides ``vcpus``.
    public var coresPerSocket: Int
    public var firmware: Firmware
    /// VMware's guest OS identifier as written (`rhel9-64` in a VMX, `rhel9_64Guest` in an OVF).
    public var guestOS: String?
    /// The virtual hardware version (`virtualHW.version`, or NN of `vmx-NN`).
    public var hardwareVersion: Int?
    /// The VM Generation ID as a GUID string for libvirt's `<genid>` (see ``GenerationID``).
    public var genid: String?
    /// The free-text notes (`annotation` / OVF `AnnotationSection`).
    public var annotation: String?
    /// Disks, CD-ROMs and floppies in boot (bus) order: SCSI, SATA, IDE, NVMe, floppy, each
    /// by controller then unit — the order libvirt's VMX driver enumerates them in.
    public var disks: [DiskDevice]
    /// Network adapters by index.
    public var nics: [NetworkInterface]
    public var serialPorts: [SerialPort]
    /// Hardware or settings Ferry noticed but cannot carry over, one sentence each.
    public var warnings: [String]

    /// Sockets of the CPU topology (`vcpus / coresPerSocket`).
    public var sockets: Int { vcpus / max(coresPerSocket, 1) }

    public init(
        name: String, uuid: String? = nil, instanceUUID: String? = nil, memoryMiB: Int, vcpus: Int,
        coresPerSocket: Int = 1, firmware: Firmware = .bios, guestOS: String? = nil, hardwareVersion: Int? = nil,
        genid: String? = nil, annotation: String? = nil, disks: [DiskDevice] = [], nics: [NetworkInterface] = [],
        serialPorts: [SerialPort] = [], warnings: [String] = []
    ) {
        self.name = name
        self.uuid = uuid
        self.instanceUUID = instanceUUID
        self.memoryMiB = memoryMiB
        self.vcpus = vcpus
        self.coresPerSocket = coresPerSocket
        self.firmware = firmware
        self.guestOS = guestOS
        self.hardwareVersion = hardwareVersion
        self.genid = genid
        self.annotation = annotation
        self.disks = disks
        self.nics = nics
        self.serialPorts = serialPorts
        self.warnings = warnings
    }
}
