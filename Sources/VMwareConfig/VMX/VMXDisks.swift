/// Disks, CD-ROMs and floppies of a VMX.
extension VMXReader {
    /// `deviceType` values meaning a hard disk. VMware writes scsi-hardDisk / ata-hardDisk;
    /// `disk`, `plainDisk` and `rawDisk` come from hosted products and hand edits.
    private static let hardDiskTypes: Set<String> = [
        "scsi-harddisk", "ata-harddisk", "sata-harddisk", "nvme-harddisk", "disk", "plaindisk", "rawdisk",
    ]

    /// Every present device, in boot order.
    mutating func readDisks() throws(VMwareConfigError) -> [DiskDevice] {
        var addresses = Set<VMXDeviceAddress>()
        for key in document.keys {
            if let (address, field) = VMXDeviceAddress.parse(key), field == "present" {
                addresses.insert(address)
            }
        }
        var controllerModels: [Int: SCSIControllerModel] = [:]
        for controller in Set(addresses.filter { $0.bus == .scsi }.map(\.controller)).sorted() {
            controllerModels[controller] = try readSCSIController(controller)
        }
        var devices: [DiskDevice] = []
        for address in addresses.sorted() {
            guard try document.bool("\(address.prefix).present", default: false) else { continue }
            guard address.isInRange else {
                throw document.error(
                    .invalidValue, "\(address.prefix).present",
                    "\(address.prefix) is outside the \(address.bus.rawValue) addresses VMware hardware has")
            }
            if let controller = address.controllerPrefix, !(try document.bool("\(controller).present", default: false))
            {
                // VMware does not power on a device whose controller is absent; it is a
                // leftover of a removed controller, not hardware the guest sees.
                warnings.append("\(address.prefix) is present but its controller \(controller) is not; ignored")
                continue
            }
            var device = address.bus == .floppy ? try readFloppy(address) : try readDrive(address)
            if address.bus == .scsi { device.controllerModel = controllerModels[address.controller] ?? nil }
            devices.append(device)
        }
        return devices
    }

    private mutating func readSCSIController(_ controller: Int) throws(VMwareConfigError) -> SCSIControllerModel? {
        guard try document.bool("scsi\(controller).present", default: false) else { return nil }
        let sharedBus = try document.lowercased("scsi\(controller).sharedBus")
        if let sharedBus, sharedBus != "none" {
            warnings.append(
                "scsi\(controller) is shared (sharedBus = \(sharedBus)): a clustered-disk setup that needs to be rebuilt on the target"
            )
        }
        guard let name = try document.lowercased("scsi\(controller).virtualDev") else { return nil }
        let model = SCSIControllerModel(rawValue: name)
        if !SCSIControllerModel.known.contains(model) {
            warnings.append("scsi\(controller).virtualDev \"\(name)\" is not a SCSI controller model Ferry knows")
        }
        return model
    }

    /// A `scsiN:M` / `sataN:M` / `ideN:M` / `nvmeN:M` device.
    private mutating func readDrive(_ address: VMXDeviceAddress) throws(VMwareConfigError) -> DiskDevice {
        let prefix = address.prefix
        let deviceType = try document.lowercased("\(prefix).deviceType")
        let fileName = try document.string("\(prefix).fileName")
        let startConnected = try document.bool("\(prefix).startConnected", default: true)
        var device = DiskDevice(
            bus: address.bus, controller: address.controller, unit: address.unit, deviceType: .disk,
            fileName: fileName, backing: .file, startConnected: startConnected)

        if try document.bool("\(prefix).clientDevice", default: false) {
            // The drive of whichever vSphere Client machine connects; there is no medium
            // to carry over, but the guest has a CD-ROM drive, so Ferry keeps an empty one.
            device.deviceType = .cdrom
            device.backing = .clientDevice
            return device
        }
        let name = fileName ?? ""
        let isEmptyMedium = name.isEmpty || name == "emptyBackingString"
        let isImage =
            deviceType == "cdrom-image"
            || (deviceType == nil && (name.hasCaseInsensitiveSuffix(".iso") || name == "emptyBackingString"))
        if isImage {
            device.deviceType = .cdrom
            if isEmptyMedium {
                device.backing = .none
            } else {
                device.resolvedPath = try resolve(name, key: "\(prefix).fileName", required: false)
            }
        } else if deviceType == "atapi-cdrom" || deviceType == "cdrom-raw" {
            device.deviceType = .cdrom
            device.backing = isEmptyMedium ? .none : .hostDevice
        } else if deviceType == "scsi-passthru" {
            device.backing = .hostDevice
            if name.hasPrefix("/vmfs/devices/cdrom/") {
                device.deviceType = .cdrom
            } else {
                device.deviceType = .passthrough
                warnings.append("\(prefix) is a SCSI pass-through device (\(name)); it cannot be migrated")
            }
        } else if let type = deviceType, !Self.hardDiskTypes.contains(type), !name.hasCaseInsensitiveSuffix(".vmdk") {
            device.deviceType = .passthrough
            device.backing = isEmptyMedium ? .none : .hostDevice
            warnings.append("\(prefix).deviceType \"\(type)\" is not a device type Ferry knows; it is not migrated")
        } else {
            if let type = deviceType, !Self.hardDiskTypes.contains(type) {
                warnings.append("\(prefix).deviceType \"\(type)\" is unknown; its .vmdk is imported as a hard disk")
            }
            guard !name.isEmpty else {
                throw document.error(
                    .missingField, "\(prefix).present", "\(prefix) is a hard disk without a fileName")
            }
            device.deviceType = .disk
            device.resolvedPath = try resolve(name, key: "\(prefix).fileName", required: true)
            if let mode = try document.lowercased("\(prefix).mode") {
                let diskMode = DiskMode(rawValue: mode)
                device.mode = diskMode
                if diskMode.discardsWrites {
                    warnings.append(
                        "\(prefix) is \(mode): VMware discards the guest's writes at power off, so the import holds the disk's base content"
                    )
                }
            }
        }
        return device
    }

    /// A `floppyN` drive.
    private mutating func readFloppy(_ address: VMXDeviceAddress) throws(VMwareConfigError) -> DiskDevice {
        let prefix = address.prefix
        let fileName = try document.string("\(prefix).fileName")
        var device = DiskDevice(
            bus: .floppy, controller: 0, unit: address.unit, deviceType: .floppy, fileName: fileName,
            backing: .none, startConnected: try document.bool("\(prefix).startConnected", default: true))
        if try document.bool("\(prefix).clientDevice", default: false) {
            device.backing = .clientDevice
            return device
        }
        guard let name = fileName, !name.isEmpty else { return device }
        let fileType = try document.lowercased("\(prefix).fileType")
        // Without fileType, a /dev path or a drive letter ("A:") is the host's drive.
        let isDevice =
            fileType == "device" || (fileType == nil && (name.hasPrefix("/dev/") || Self.isDriveLetter(name)))
        if isDevice {
            device.backing = .hostDevice
        } else {
            device.backing = .file
            device.resolvedPath = try resolve(name, key: "\(prefix).fileName", required: false)
        }
        return device
    }

    private static func isDriveLetter(_ name: String) -> Bool {
        let characters = Array(name)
        return characters.count == 2 && characters[0].isLetter && characters[1] == ":"
    }

    /// Resolves a file name through the datastore map. For a hard disk (`required`) every
    /// failure throws, because importing the VM without that disk would lose data; for
    /// removable media it becomes a warning and an empty drive, as libvirt does.
    private mutating func resolve(_ fileName: String, key: String, required: Bool) throws(VMwareConfigError) -> String?
    {
        let outcome = options.datastores.resolve(fileName, vmxDirectory: vmxDirectory)
        let entry = document.entry(key)
        let shown = entry?.key ?? key
        switch outcome {
        case .local(let path):
            if fileExists(path) { return path }
            if required {
                throw document.error(.missingFile, key, "\(shown) \"\(fileName)\" does not exist (looked for \(path))")
            }
            warnings.append("\(shown) \"\(fileName)\" does not exist (looked for \(path)); the drive is left empty")
            return nil
        case .unmapped(let what):
            if required {
                throw document.error(
                    .unmappedDatastore, key,
                    "\(shown) \"\(fileName)\" is on \(what), which has no local mapping; add it to the datastore map")
            }
            warnings.append(
                "\(shown) \"\(fileName)\" is on \(what), which has no local mapping; the drive is left empty")
            return nil
        case .invalid(let problem):
            if required { throw document.error(.invalidValue, key, "\(shown) \(problem)") }
            warnings.append("\(shown) \(problem); the drive is left empty")
            return nil
        }
    }
}
