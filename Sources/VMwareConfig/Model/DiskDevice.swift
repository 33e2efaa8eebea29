/// One disk, CD-ROM or floppy drive attached to the VM.
///
/// Named `DiskDevice` so it does not clash with the VMDK module's `VirtualDisk`, which is
/// the disk *image*; this is the *slot* the image sits in.
public struct DiskDevice: Sendable, Codable, Hashable {
    public var bus: Bus
    /// SCSI/SATA/NVMe controller number, or the IDE channel (`ide1:0` → 1).
    public var controller: Int
    /// The unit (target) on that controller or channel.
    public var unit: Int
    /// The SCSI controller's model (`scsiN.virtualDev` / OVF ResourceSubType); nil for other
    /// buses, or when the descriptor does not say.
    public var controllerModel: SCSIControllerModel?
    public var deviceType: DeviceType
    /// The backing file name exactly as the descriptor writes it (VMX `fileName`, OVF File
    /// `href`). A snapshot delta such as `vm-000002.vmdk` is kept as is: it is the chain head.
    public var fileName: String?
    /// Where Ferry will read the file: relative names against the .vmx's folder,
    /// `/vmfs/volumes/…` through the ``DatastoreMap``. Nil when there is no file, or when an
    /// optional medium (CD-ROM image) could not be resolved — see the VM's warnings.
    public var resolvedPath: String?
    public var backing: Backing
    /// The VMware disk mode (`persistent`, `independent-nonpersistent`, …), if stated.
    public var mode: DiskMode?
    /// The virtual size in bytes when the descriptor states it (OVF `capacity`).
    public var capacityBytes: UInt64?
    /// Whether the device is connected at power on (`startConnected`, default true).
    public var startConnected: Bool

    public init(
        bus: Bus, controller: Int, unit: Int, controllerModel: SCSIControllerModel? = nil, deviceType: DeviceType,
        fileName: String? = nil, resolvedPath: String? = nil, backing: Backing = .file, mode: DiskMode? = nil,
        capacityBytes: UInt64? = nil, startConnected: Bool = true
    ) {
        self.bus = bus
        self.controller = controller
        self.unit = unit
        self.controllerModel = controllerModel
        self.deviceType = deviceType
        self.fileName = fileName
        self.resolvedPath = resolvedPath
        self.backing = backing
        self.mode = mode
        self.capacityBytes = capacityBytes
        self.startConnected = startConnected
    }

    /// The bus a device hangs off.
    public enum Bus: String, Sendable, Codable, Hashable, CaseIterable {
        case scsi, sata, ide, nvme
        /// The floppy controller (`floppyN`).
        case floppy

        /// Position in boot order: libvirt's VMX driver enumerates SCSI, then SATA, then IDE,
        /// then floppy; newer libvirt appends NVMe after IDE.
        package var bootRank: Int {
            switch self {
            case .scsi: 0
            case .sata: 1
            case .ide: 2
            case .nvme: 3
            case .floppy: 4
            }
        }
    }

    public enum DeviceType: String, Sendable, Codable, Hashable {
        /// A hard disk: its image is what Ferry imports.
        case disk
        case cdrom
        case floppy
        /// A generic SCSI pass-through device (tape, changer, raw LUN); it cannot move.
        case passthrough
    }

    /// What is behind the device.
    public enum Backing: String, Sendable, Codable, Hashable {
        /// An image file (VMDK, ISO, FLP); see ``DiskDevice/fileName``.
        case file
        /// A device of the ESX/Workstation host (`/dev/cdrom`, `auto detect`, `/vmfs/devices/…`).
        case hostDevice
        /// The CD-ROM of the machine running the vSphere client (`clientDevice = TRUE`).
        case clientDevice
        /// Nothing: an empty drive, or an OVF disk with no file (to be created blank).
        case none
    }

    /// Sort key for boot order.
    package var bootOrderKey: (Int, Int, Int) { (bus.bootRank, controller, unit) }
}
