import Ceph
import VMwareConfig

/// Where each VMware disk and CD-ROM lands on the KVM side: bus, target name, controller
/// and drive address, plus the SCSI controllers to declare. Pure logic, no XML.
///
/// With ``DomainPlan/BusPolicy/keep`` a device keeps its VMware controller and unit when
/// QEMU has room for it, so `/dev/disk/by-path` names and Windows' controller bindings stay
/// put. Limits measured against QEMU 7.2 through libvirt 9.0: QEMU's LSI 53C895A takes SCSI
/// IDs 0–7 (libvirt: `unit`, `target` must be 0), and Ferry leaves ID 7 to the adapter as
/// VMware does; LSI SAS1068, PVSCSI and virtio-scsi take one LUN per target, so VMware's
/// unit goes into `target`; AHCI has six ports per controller; IDE two channels of two.
struct DiskLayout {
    struct Placement {
        /// Index into the VM's `disks`.
        var deviceIndex: Int
        var bus: String
        var targetDevice: String
        var address: DriveAddress?
        /// The RBD image of a hard disk; nil for an (empty) CD-ROM.
        var image: RBDSpec?
        var bootOrder: Int?
    }

    struct DriveAddress: Hashable {
        var controller: Int
        var bus: Int
        var target: Int
        var unit: Int
    }

    struct SCSIController: Hashable {
        var index: Int
        /// libvirt's model name: lsilogic, lsisas1068, vmpvscsi, virtio-scsi.
        var model: String
    }

    var placements: [Placement] = []
    var scsiControllers: [SCSIController] = []
    var notes: [String] = []

    /// - Throws: `MigrationError` `.invalidPlan` when the plan's image list does not match the
    ///   VM's hard disks, `.unsupportedHardware` when a controller has no free slot left.
    init(
        machine: VirtualMachine, plan: DomainPlan, machineType: DomainPlan.MachineType
    ) throws(MigrationError) {
        let hardDisks = machine.importableDisks
        guard hardDisks.count == plan.disks.count else {
            throw MigrationError(
                code: .invalidPlan,
                message:
                    "the VM has \(hardDisks.count) hard disk(s) (\(hardDisks.map(\.slotName).joined(separator: ", "))) "
                    + "but the plan names \(plan.disks.count) RBD image(s)")
        }
        if let bad = plan.disks.first(where: { !$0.isValid }) {
            throw MigrationError(
                code: .invalidPlan,
                message: "RBD image \"\(bad)\" is not a valid pool/image or pool/namespace/image name")
        }
        var state = Allocation(
            policy: plan.busPolicy, machineType: machineType,
            emulateVMwareParavirtual: plan.emulateVMwareParavirtual)
        var nextImage = 0
        for (index, device) in machine.disks.enumerated() {
            switch device.deviceType {
            case .disk:
                let image = plan.disks[nextImage]
                nextImage += 1
                var placement = try state.place(device, index: index, isCDROM: false)
                placement.image = image
                placement.bootOrder = nextImage == 1 ? 1 : nil
                placements.append(placement)
                if let mode = device.mode, mode.discardsWrites {
                    state.notes.append(
                        "\(device.slotName) was \(mode) on VMware (writes discarded at power off); on RBD its writes persist"
                    )
                }
            case .cdrom:
                placements.append(try state.place(device, index: index, isCDROM: true))
                let medium = device.fileName.map { " (was \($0))" } ?? ""
                state.notes.append("CD-ROM \(device.slotName) is attached empty\(medium): ISO media is not migrated")
            case .floppy:
                let medium = device.fileName.map { " with \($0)" } ?? ""
                state.notes.append("floppy \(device.slotName)\(medium) is not carried over")
            case .passthrough:
                state.notes.append(
                    "SCSI pass-through device \(device.slotName) (\(device.fileName ?? "host device")) is not carried over"
                )
            }
        }
        if plan.busPolicy == .virtio, !hardDisks.isEmpty {
            state.notes.insert(
                "hard disks become virtio-blk (vda…); the guest needs virtio drivers (use the keep bus policy otherwise)",
                at: 0)
        }
        scsiControllers = state.scsiControllers.sorted { $0.index < $1.index }
        notes = state.notes
    }

    /// Slot bookkeeping while devices are placed in the VM's order.
    private struct Allocation {
        let policy: DomainPlan.BusPolicy
        let machineType: DomainPlan.MachineType
        let emulateVMwareParavirtual: Bool
        var used: Set<SlotKey> = []
        var scsiControllers: Set<SCSIController> = []
        var reportedControllers: Set<Int> = []
        var virtioCount = 0
        var sdCount = 0
        var notes: [String] = []

        init(policy: DomainPlan.BusPolicy, machineType: DomainPlan.MachineType, emulateVMwareParavirtual: Bool) {
            self.policy = policy
            self.machineType = machineType
            self.emulateVMwareParavirtual = emulateVMwareParavirtual
        }

        struct SlotKey: Hashable {
            var bus: String
            var controller: Int
            var slot: Int
        }

        /// The bus an emulated (non-virtio) device ends up on.
        private var legacyBus: DiskDevice.Bus { machineType == .q35 ? .sata : .ide }

        mutating func place(_ device: DiskDevice, index: Int, isCDROM: Bool) throws(MigrationError) -> Placement {
            if policy == .virtio, !isCDROM {
                defer { virtioCount += 1 }
                return Placement(deviceIndex: index, bus: "virtio", targetDevice: "vd" + Self.letters(virtioCount))
            }
            let wanted: DiskDevice.Bus = policy == .virtio ? legacyBus : device.bus
            switch wanted {
            case .scsi:
                return try placeSCSI(device, index: index)
            case .ide where machineType == .q35:
                notes.append("\(device.slotName) moves from IDE to SATA: the q35 machine has no IDE controller")
                return try placeSATA(device, index: index, controller: 0, preferred: nil)
            case .ide:
                let preferred = device.bus == .ide ? device.controller * 2 + device.unit : nil
                let slot = try allocate(device, bus: "ide", controller: 0, slots: 0..<4, preferred: preferred)
                return Placement(
                    deviceIndex: index, bus: "ide", targetDevice: "hd" + Self.letters(slot),
                    address: DriveAddress(controller: 0, bus: slot / 2, target: 0, unit: slot % 2))
            case .nvme:
                // libvirt 9.0 has no NVMe disk bus for QEMU (it came with libvirt 10.x).
                notes.append("\(device.slotName) moves from NVMe to SATA: libvirt 9.0 cannot attach an NVMe disk")
                return try placeSATA(device, index: index, controller: 0, preferred: nil)
            case .sata, .floppy:
                let keepsSlot = device.bus == .sata
                return try placeSATA(
                    device, index: index, controller: keepsSlot ? device.controller : 0,
                    preferred: keepsSlot ? device.unit : nil)
            }
        }

        private mutating func placeSATA(
            _ device: DiskDevice, index: Int, controller: Int, preferred: Int?
        ) throws(MigrationError) -> Placement {
            let slot = try allocate(device, bus: "sata", controller: controller, slots: 0..<6, preferred: preferred)
            defer { sdCount += 1 }
            return Placement(
                deviceIndex: index, bus: "sata", targetDevice: "sd" + Self.letters(sdCount),
                address: DriveAddress(controller: controller, bus: 0, target: 0, unit: slot))
        }

        private mutating func placeSCSI(_ device: DiskDevice, index: Int) throws(MigrationError) -> Placement {
            let model = controllerModel(for: device)
            scsiControllers.insert(SCSIController(index: device.controller, model: model))
            let address: DriveAddress
            if model == "lsilogic" {
                let slot = try allocate(
                    device, bus: "scsi", controller: device.controller, slots: 0..<7,
                    preferred: device.unit)
                address = DriveAddress(controller: device.controller, bus: 0, target: 0, unit: slot)
            } else {
                let slots = model == "lsisas1068" ? 0..<8 : model == "vmpvscsi" ? 0..<64 : 0..<256
                let slot = try allocate(
                    device, bus: "scsi", controller: device.controller, slots: slots,
                    preferred: device.unit)
                address = DriveAddress(controller: device.controller, bus: 0, target: slot, unit: 0)
            }
            defer { sdCount += 1 }
            return Placement(
                deviceIndex: index, bus: "scsi", targetDevice: "sd" + Self.letters(sdCount), address: address)
        }

        /// The libvirt model for a VMware SCSI controller, with a note the first time a
        /// controller's model changes or carries a caveat.
        private mutating func controllerModel(for device: DiskDevice) -> String {
            let vmware = device.controllerModel
            let (model, caveat): (String, String?) =
                switch vmware {
                case .lsilogic?:
                    (
                        "lsilogic",
                        "stays lsilogic, but QEMU's is an LSI 53C895A, not VMware's LSI53C1030: Linux needs the "
                            + "sym53c8xx driver, and Windows has no inbox driver for it"
                    )
                case .lsisas1068?:
                    ("lsisas1068", nil)
                case .pvscsi? where emulateVMwareParavirtual:
                    ("vmpvscsi", "kept as VMware PVSCSI; the node's QEMU must emulate it (RHEL builds do not)")
                case .pvscsi?:
                    (
                        "virtio-scsi",
                        "becomes virtio-scsi: VMware PVSCSI is not emulated by most QEMU builds; the guest needs virtio-scsi drivers"
                    )
                case .buslogic?:
                    ("lsilogic", "becomes lsilogic: QEMU has no BusLogic adapter; the guest needs an LSI driver")
                case let other?:
                    ("lsilogic", "has unknown model \(other), attached as lsilogic")
                case nil:
                    ("lsilogic", "has no stated model, attached as lsilogic")
                }
            if let caveat, reportedControllers.insert(device.controller).inserted {
                notes.append("SCSI controller scsi\(device.controller) (\(vmware?.rawValue ?? "unstated")) \(caveat)")
            }
            return model
        }

        /// Takes `preferred` when it is in range and free, else the lowest free slot.
        private mutating func allocate(
            _ device: DiskDevice, bus: String, controller: Int, slots: Range<Int>, preferred: Int?
        ) throws(MigrationError) -> Int {
            if let preferred, slots.contains(preferred),
                used.insert(SlotKey(bus: bus, controller: controller, slot: preferred)).inserted
            {
                return preferred
            }
            guard let free = slots.first(where: { !used.contains(SlotKey(bus: bus, controller: controller, slot: $0)) })
            else {
                throw MigrationError(
                    code: .unsupportedHardware,
                    message: "no free slot for \(device.slotName) on \(bus) controller \(controller) "
                        + "(QEMU offers \(slots.count) there)")
            }
            used.insert(SlotKey(bus: bus, controller: controller, slot: free))
            if let preferred {
                notes.append(
                    "\(device.slotName) moves to \(bus) slot \(free): slot \(preferred) is not available under QEMU")
            }
            return free
        }

        /// Drive letters as libvirt counts them: a…z, then aa, ab, ….
        static func letters(_ index: Int) -> String {
            var number = index
            var result = ""
            repeat {
                result = String(UnicodeScalar(UInt8(97 + number % 26))) + result
                number = number / 26 - 1
            } while number >= 0
            return result
        }
    }
}
