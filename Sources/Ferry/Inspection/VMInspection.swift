import VMDK
import VMwareConfig

/// What `ferry inspect VM.vmx` reports: the VM's hardware and, for every disk Ferry would
/// import, what the VMDK layer finds in it (or why it would refuse it).
public struct VMInspection: Sendable, Codable {
    public struct Disk: Sendable, Codable {
        /// Where the disk sits on the VM, e.g. `scsi0:1`.
        public var slot: String
        /// The disk file, or `archive.ova:member` for a disk inside an OVA.
        public var path: String?
        /// For a disk inside an OVA: the archive and the member name.
        public var archive: String?
        public var member: String?
        public var info: DiskInfo?
        /// One line naming the file and the problem, when the disk cannot be imported.
        public var error: String?
    }

    public var vm: VirtualMachine
    public var disks: [Disk]
    /// For a VM read from ESXi or vCenter: where it is and what state it is in.
    public var vsphere: VSphereVM? = nil

    /// True when every importable disk opened cleanly.
    public var isImportable: Bool { disks.allSatisfy { $0.error == nil } }

    /// Inspects the VM `path` names, a `.vmx` or an `.ova` (``SourceKind`` tells which).
    /// - Throws: `MigrationError` `.invalidPlan` when it names a lone disk, which has no VM
    ///   to define; and whatever reading the VMX, OVF or disks throws.
    public static func inspect(
        source path: String, datastores: DatastoreMap = DatastoreMap(), options: OpenOptions = .init()
    ) throws -> VMInspection {
        switch try SourceKind.of(path) {
        case .ova:
            return try inspect(ova: path, options: options)
        case .vmx:
            return try inspect(vmx: path, datastores: datastores, options: options)
        case .vsphere:
            throw MigrationError(
                code: .invalidPlan, message: "\(path) is read through the vSphere API: inspect it with the async inspect(vsphere:)")
        case .disk, .standardInput:
            throw MigrationError(
                code: .invalidPlan,
                message: "\(path) is a disk, not a VM: migrate takes the VM's .vmx or .ova (import a lone disk with ferry import-disk)")
        }
    }

    /// Reads the OVF inside an OVA (checked against its manifest) and opens every disk it
    /// attaches in place, inside the tar.
    public static func inspect(ova path: String, options: OpenOptions = .init()) throws -> VMInspection {
        let descriptor = try OVADescriptor(ova: path)
        let ovf = try OVFParser().parse(descriptor.bytes, file: "\(path):\(descriptor.member)")
        guard let vm = ovf.virtualMachines.first else {
            throw InspectionError(.noVirtualMachine, "\(path): the OVF describes no virtual machine")
        }
        if ovf.virtualMachines.count > 1 {
            throw InspectionError(
                .severalVirtualMachines,
                "\(path): the OVF describes \(ovf.virtualMachines.count) virtual machines; Ferry migrates one VM per package")
        }
        let disks = vm.disks.filter { $0.deviceType == .disk }.map { device -> Disk in
            let slot = "\(device.bus.rawValue)\(device.controller):\(device.unit)"
            guard let member = device.fileName else {
                return Disk(slot: slot, path: nil, error: "\(slot): the OVF gives this disk no file in the package")
            }
            var disk = Disk(slot: slot, path: "\(path):\(member)", archive: path, member: member)
            do throws(VMDKError) {
                let reader = try SourceStorage.openDisk(path, member: member, options: options)
                defer { reader.close() }
                disk.info = reader.info
            } catch {
                disk.error = error.description
            }
            return disk
        }
        return VMInspection(vm: vm, disks: disks)
    }

    /// Parses the VMX and opens every hard disk it attaches (the chain head of each, i.e.
    /// the newest snapshot's delta), validating all their tables.
    public static func inspect(vmx path: String, datastores: DatastoreMap = DatastoreMap(), options: OpenOptions = .init())
        throws(VMwareConfigError) -> VMInspection
    {
        let vm = try VMXParser(options: .init(datastores: datastores)).parse(contentsOf: path)
        let disks = vm.disks.filter { $0.deviceType == .disk }.map { device -> Disk in
            let slot = "\(device.bus.rawValue)\(device.controller):\(device.unit)"
            guard let file = device.resolvedPath else {
                return Disk(slot: slot, path: device.fileName, error: "\(slot): no disk file to import (\(device.backing.rawValue))")
            }
            return Disk.opening(file, slot: slot, options: options)
        }
        return VMInspection(vm: vm, disks: disks)
    }
}

extension VMInspection.Disk {
    /// The disk at `file` in `slot`, opened (every table validated) and closed again: its
    /// info, or the one line saying why it cannot be imported.
    static func opening(_ file: String, slot: String, options: OpenOptions) -> Self {
        do throws(VMDKError) {
            let disk = try SourceStorage.openDisk(file, options: options)
            defer { disk.close() }
            return Self(slot: slot, path: file, info: disk.info)
        } catch {
            return Self(slot: slot, path: file, error: error.description)
        }
    }

    /// Opens the disk for import (in place inside its OVA when it lives in one, in one pass
    /// when `singlePass` allows and the archive suits it); nil for a slot with no file.
    public func importSource(options: OpenOptions, singlePass: Bool) throws -> ImportSource? {
        if let archive, let member {
            return try ImportSource.open(archive, member: member, options: options, singlePass: singlePass)
        }
        return try path.map { (path) in try ImportSource.open(path, options: options) }
    }
}

extension VMInspection: CustomStringConvertible {
    public var description: String {
        var lines = [
            "vm:          \(vm.name)",
        ]
        if let vsphere {
            lines.append("source:      \(vsphere.url) (\(vsphere.object), \(vsphere.powerState))")
            if !vsphere.snapshots.isEmpty { lines.append("snapshots:   \(vsphere.snapshots.joined(separator: ", "))") }
        }
        lines += [
            "uuid:        \(vm.uuid ?? "none")",
            "cpu/memory:  \(vm.vcpus) vCPU (\(vm.sockets) socket(s) × \(vm.coresPerSocket) core(s)), \(vm.memoryMiB) MiB",
            "firmware:    \(Self.describe(vm.firmware))",
            "guest OS:    \(vm.guestOS ?? "unknown")",
        ]
        for nic in vm.nics {
            lines.append(
                "nic \(nic.index):       \(nic.model?.rawValue ?? "default") on \(nic.networkName ?? "no network"), MAC \(nic.mac ?? "generated")")
        }
        for device in vm.disks where device.deviceType != .disk {
            lines.append("\(device.deviceType.rawValue):       \(device.bus.rawValue)\(device.controller):\(device.unit) \(device.fileName ?? "empty")")
        }
        for disk in disks {
            lines.append("")
            lines.append("disk \(disk.slot): \(disk.path ?? "-")")
            if let error = disk.error {
                lines.append("  error: \(error)")
            } else if let info = disk.info {
                lines.append(contentsOf: info.description.split(separator: "\n").map { "  \($0)" })
            }
        }
        for warning in vm.warnings { lines.append("warning: \(warning)") }
        if let vsphere {
            for notice in vsphere.notices { lines.append("warning: \(notice)") }
            for refusal in vsphere.refusals { lines.append("refused: \(refusal)") }
        }
        return lines.joined(separator: "\n")
    }

    private static func describe(_ firmware: Firmware) -> String {
        switch firmware {
        case .bios: "BIOS"
        case .efi(let secureBoot): secureBoot ? "UEFI with Secure Boot" : "UEFI"
        }
    }
}
