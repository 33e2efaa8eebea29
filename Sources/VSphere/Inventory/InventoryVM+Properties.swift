import Foundation
import VMwareConfig

/// Reading a VM's properties into the model the VMX path produces, so a VM read through the
/// API gives the same domain XML as its `.vmx`.
extension InventoryVM {
    init(content: ObjectContent) {
        object = content.object
        name = content.text("name") ?? content.object.value
        powerState = content.text("runtime.powerState") ?? "unknown"
        toolsRunningStatus = content.text("guest.toolsRunningStatus")
        isTemplate = content.text("config.template") == "true"
        changeVersion = content.text("config.changeVersion")
        changeTrackingEnabled = content.text("config.changeTrackingEnabled") == "true"
        vmxPath = content.text("config.files.vmPathName").flatMap(DatastorePath.init)
        snapshots = content.value("snapshot").map { Self.snapshotNames($0.all("rootSnapshotList")) } ?? []
        files = content.value("layoutEx.file")?.all("VirtualMachineFileLayoutExFileInfo").map {
            LayoutFile(name: $0.text("name") ?? "", type: $0.text("type") ?? "", size: $0.text("size").flatMap(UInt64.init) ?? 0)
        } ?? []

        let devices = content.value("config.hardware.device")?.children ?? []
        let extraConfig = Self.options(content.value("config.extraConfig"))
        var warnings: [String] = []
        let controllers = Self.controllers(devices)
        var disks: [DiskDevice] = []
        var backings: [String: DiskBacking] = [:]
        var nics: [NetworkInterface] = []
        for device in devices {
            let type = device.xsiType ?? device.name
            switch type {
            case "VirtualDisk", "VirtualCdrom", "VirtualFloppy":
                guard let (disk, backing) = Self.disk(device, type: type, controllers: controllers, warnings: &warnings)
                else { continue }
                disks.append(disk)
                if let backing { backings["\(disk.bus.rawValue)\(disk.controller):\(disk.unit)"] = backing }
            default:
                if let model = Self.nicModels[type] {
                    nics.append(Self.nic(device, model: model, index: nics.count))
                } else if type.hasPrefix("Virtual"), type.hasSuffix("EthernetCard") || type.contains("Sriov") {
                    warnings.append("network adapter \(device.text("deviceInfo/label") ?? type) is a \(type), which has no KVM equivalent Ferry maps")
                }
            }
        }
        disks.sort { $0.bootOrderKey < $1.bootOrderKey }

        let firmware: Firmware =
            content.text("config.firmware") == "efi"
            ? .efi(secureBoot: content.text("config.bootOptions.efiSecureBootEnabled") == "true") : .bios
        let vcpus = Int(content.text("config.hardware.numCPU") ?? "") ?? 1
        let cores = Int(content.text("config.hardware.numCoresPerSocket") ?? "") ?? 1
        var machine = VirtualMachine(
            name: name, uuid: content.text("config.uuid").flatMap(Identifiers.uuid),
            instanceUUID: content.text("config.instanceUuid").flatMap(Identifiers.uuid),
            memoryMiB: Int(content.text("config.hardware.memoryMB") ?? "") ?? 0, vcpus: vcpus,
            coresPerSocket: cores > 0 && vcpus % cores == 0 ? cores : 1, firmware: firmware,
            guestOS: content.text("config.guestId"),
            hardwareVersion: content.text("config.version").flatMap { Int($0.replacingOccurrences(of: "vmx-", with: "")) },
            genid: GenerationID.guid(low: extraConfig["vm.genid"], high: extraConfig["vm.genidX"]),
            annotation: content.text("config.annotation"), disks: disks, nics: nics, warnings: warnings)
        if machine.annotation?.isEmpty == true { machine.annotation = nil }
        self.machine = machine
        diskBackings = backings
    }

    private static func snapshotNames(_ trees: [XMLTree.Element]) -> [String] {
        trees.flatMap { tree in [tree.text("name") ?? "?"] + snapshotNames(tree.all("childSnapshotList")) }
    }

    /// `config.extraConfig` as key → value.
    private static func options(_ element: XMLTree.Element?) -> [String: String] {
        var options: [String: String] = [:]
        for option in element?.children ?? [] {
            if let key = option.text("key") { options[key] = option.text("value") }
        }
        return options
    }

    /// Controller key → (bus, bus number, SCSI model).
    private static func controllers(_ devices: [XMLTree.Element]) -> [Int: (DiskDevice.Bus, Int, SCSIControllerModel?)] {
        var map: [Int: (DiskDevice.Bus, Int, SCSIControllerModel?)] = [:]
        for device in devices {
            guard let key = device.text("key").flatMap(Int.init), let type = device.xsiType,
                let (bus, model) = controllerKinds[type]
            else { continue }
            map[key] = (bus, device.text("busNumber").flatMap(Int.init) ?? 0, model)
        }
        return map
    }

    private static let controllerKinds: [String: (DiskDevice.Bus, SCSIControllerModel?)] = [
        "ParaVirtualSCSIController": (.scsi, .pvscsi), "VirtualLsiLogicController": (.scsi, .lsilogic),
        "VirtualLsiLogicSASController": (.scsi, .lsisas1068), "VirtualBusLogicController": (.scsi, .buslogic),
        "VirtualAHCIController": (.sata, nil), "VirtualNVMEController": (.nvme, nil), "VirtualIDEController": (.ide, nil),
        "VirtualSIOController": (.floppy, nil),
    ]

    private static func disk(
        _ device: XMLTree.Element, type: String, controllers: [Int: (DiskDevice.Bus, Int, SCSIControllerModel?)],
        warnings: inout [String]
    ) -> (DiskDevice, DiskBacking?)? {
        let label = device.text("deviceInfo/label") ?? type
        guard let key = device.text("controllerKey").flatMap(Int.init), let (bus, number, model) = controllers[key] else {
            warnings.append("\(label) hangs off a controller Ferry does not know; it is left out")
            return nil
        }
        let unit = device.text("unitNumber").flatMap(Int.init) ?? 0
        let backing = device.child("backing")
        let backingType = backing?.xsiType ?? ""
        let fileName = backing?.text("fileName").flatMap { $0.isEmpty ? nil : $0 }
        var disk = DiskDevice(
            bus: bus, controller: number, unit: unit, controllerModel: model,
            deviceType: type == "VirtualDisk" ? .disk : type == "VirtualCdrom" ? .cdrom : .floppy,
            fileName: fileName, backing: fileName != nil ? .file : .none,
            startConnected: device.text("connectable/startConnected").map { $0 == "true" } ?? true)
        guard type == "VirtualDisk" else {
            if backingType.contains("Remote") { disk.backing = .clientDevice }
            if backingType.contains("Atapi") || backingType.contains("Passthrough") && !backingType.contains("Remote") {
                disk.backing = .hostDevice
            }
            return (disk, nil)
        }
        disk.mode = backing?.text("diskMode").map { DiskMode(rawValue: $0.replacingOccurrences(of: "_", with: "-")) }
        disk.capacityBytes = device.text("capacityInBytes").flatMap(UInt64.init)
            ?? device.text("capacityInKB").flatMap(UInt64.init).map { $0 * 1024 }
        var parents: [String] = []
        var parent = backing?.child("parent")
        while let current = parent, parents.count < 256 {
            if let name = current.text("fileName") { parents.append(name) }
            parent = current.child("parent")
        }
        let info = DiskBacking(
            type: backingType, fileName: fileName, thin: backing?.text("thinProvisioned").map { $0 == "true" },
            parents: parents, capacity: disk.capacityBytes)
        return (disk, info)
    }

    private static let nicModels: [String: NICModel] = [
        "VirtualVmxnet3": .vmxnet3, "VirtualVmxnet2": .vmxnet2, "VirtualVmxnet": .vmxnet, "VirtualE1000": .e1000,
        "VirtualE1000e": .e1000e, "VirtualPCNet32": .vlance,
    ]

    private static func nic(_ device: XMLTree.Element, model: NICModel, index: Int) -> NetworkInterface {
        let backing = device.child("backing")
        var nic = NetworkInterface(
            index: index, model: model, networkName: backing?.text("deviceName"),
            mac: device.text("macAddress").flatMap(Identifiers.mac),
            startConnected: device.text("connectable/startConnected").map { $0 == "true" } ?? true)
        switch device.text("addressType")?.lowercased() {
        case "assigned": nic.addressType = .vpx
        case "manual": nic.addressType = .static
        case "generated": nic.addressType = .generated
        default: break
        }
        if let port = backing?.child("port") {
            nic.distributedSwitchID = port.text("switchUuid").flatMap(Identifiers.uuid)
            nic.distributedPortGroup = port.text("portgroupKey")
        }
        return nic
    }
}
