/// One OVF VirtualSystem → ``VirtualMachine``.
extension OVFReader {
    mutating func readVirtualSystem(_ system: XMLTree.Element, id: String) throws(VMwareConfigError) -> VirtualMachine {
        let name = system.child(named: "Name")?.trimmedText
        var machine = VirtualMachine(name: name?.isEmpty == false ? name! : id, memoryMiB: 0, vcpus: 0)
        var hardware: [XMLTree.Element] = []
        var products = Set<String>()
        for child in system.children where try isCore(child) {
            switch child.ovfName {
            case "Info", "Name", "Description": continue
            case "OperatingSystemSection":
                noteMissingInfo(child)
                machine.guestOS = child.attribute("osType").flatMap { $0.isEmpty ? nil : $0 }
            case "AnnotationSection":
                noteMissingInfo(child)
                machine.annotation = child.child(named: "Annotation")?.trimmedText
            case "VirtualHardwareSection":
                noteMissingInfo(child)
                hardware.append(child)
            case "ProductSection":
                let identity = "\(child.attribute("class") ?? "")|\(child.attribute("instance") ?? "")"
                guard products.insert(identity).inserted else {
                    throw error(.duplicate, child, "a second ProductSection with the same class and instance")
                }
                try checkSection(child, in: .virtualSystem)
            default:
                try checkSection(child, in: .virtualSystem)
            }
        }
        for child in system.children where try !isCore(child) { try checkExtension(child) }

        guard let section = try chooseHardware(hardware, system: system, id: id) else {
            throw error(.missingField, system, "VirtualSystem \(id) has no VirtualHardwareSection")
        }
        var builder = OVFHardware(reader: self, machine: machine)
        try builder.read(section)
        warnings += builder.envelopeWarnings
        return builder.machine
    }

    /// OVF lets a VirtualSystem carry one VirtualHardwareSection per virtual system type
    /// (`vmx-07`, `xen-3`, …) for the deployer to choose from; Ferry takes the first VMware
    /// one. Two sections for the same type are contradictory.
    private func chooseHardware(
        _ sections: [XMLTree.Element], system: XMLTree.Element, id: String
    ) throws(VMwareConfigError) -> XMLTree.Element? {
        guard sections.count > 1 else { return sections.first }
        var seen = Set<String>()
        for section in sections {
            let type = section.child(named: "System")?.child(named: "VirtualSystemType")?.trimmedText ?? ""
            guard seen.insert(type).inserted else {
                throw error(
                    .duplicate, section,
                    "VirtualSystem \(id) has two VirtualHardwareSections for the same system type \"\(type)\"")
            }
        }
        return sections.first { section in
            (section.child(named: "System")?.child(named: "VirtualSystemType")?.trimmedText ?? "").contains("vmx")
        } ?? sections.first
    }
}

/// Builds the machine from one VirtualHardwareSection.
struct OVFHardware {
    let reader: OVFReader
    var machine: VirtualMachine
    var envelopeWarnings: [String] = []

    private struct Controller {
        var bus: DiskDevice.Bus
        var index: Int
        var model: SCSIControllerModel?
        var nextUnit = 0
    }

    private var controllers: [String: Controller] = [:]
    private var controllerCount: [DiskDevice.Bus: Int] = [:]

    init(reader: OVFReader, machine: VirtualMachine) {
        self.reader = reader
        self.machine = machine
    }

    private var warnings: [String] {
        get { machine.warnings }
        set { machine.warnings = newValue }
    }

    mutating func read(_ section: XMLTree.Element) throws(VMwareConfigError) {
        if let system = section.child(named: "System") {
            machine.hardwareVersion = Self.hardwareVersion(
                system.child(named: "VirtualSystemType")?.trimmedText ?? "")
        }
        let items = try selectItems(section)
        var config: [String: String] = [:]
        for child in section.children where child.name == "Config" || child.name == "ExtraConfig" {
            if let key = child.attribute("key") { config[key] = child.attribute("value") ?? "" }
        }

        // Controllers first: disks name them by InstanceID, and VMware writes them in
        // either order.
        for item in items {
            try readController(item)
        }
        var cpu: OVFItem?
        var memory: OVFItem?
        for item in items {
            switch item.resourceType {
            case OVFItem.ResourceType.processor:
                guard cpu == nil else { throw duplicateResource(item, "processor") }
                cpu = item
            case OVFItem.ResourceType.memory:
                guard memory == nil else { throw duplicateResource(item, "memory") }
                memory = item
            case OVFItem.ResourceType.ideController, OVFItem.ResourceType.scsiController,
                OVFItem.ResourceType.otherStorage:
                continue
            case OVFItem.ResourceType.disk, OVFItem.ResourceType.cdDrive, OVFItem.ResourceType.dvdDrive,
                OVFItem.ResourceType.floppy:
                try readDrive(item)
            case OVFItem.ResourceType.ethernet:
                try readNIC(item)
            case OVFItem.ResourceType.serialPort:
                machine.serialPorts.append(SerialPort(index: machine.serialPorts.count))
            default:
                noteOther(item)
            }
        }
        try readCPU(cpu)
        try readMemory(memory)
        try readConfig(config, section: section)
        machine.disks.sort { $0.bootOrderKey < $1.bootOrderKey }
    }

    // MARK: Item selection

    /// The items that apply: those of the chosen deployment configuration, and for
    /// ranged items (`ovf:bound`) the normal value, after checking the range is coherent.
    private func selectItems(_ section: XMLTree.Element) throws(VMwareConfigError) -> [OVFItem] {
        // Per InstanceID and bound: the item for the chosen configuration replaces the
        // generic one (OVF's override rule); two of the same kind contradict each other.
        var chosen: [String: (item: OVFItem, specific: Bool)] = [:]
        var order: [String] = []
        for element in section.children where ["Item", "StorageItem", "EthernetPortItem"].contains(element.name) {
            var specific = false
            if let configurations = element.attribute("configuration"),
                case let ids = configurations.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init),
                !ids.isEmpty
            {
                if let selected = reader.configuration, !ids.contains(selected) { continue }
                specific = true
            }
            let item = try OVFItem(element, reader: reader)
            let key = "\(item.instanceID)|\(item.bound ?? "normal")"
            if let existing = chosen[key] {
                if existing.specific == specific {
                    throw reader.error(
                        .duplicate, element,
                        "InstanceID \(item.instanceID)\(item.bound.map { " (bound \($0))" } ?? "") repeats line \(existing.item.element.line)"
                    )
                }
                if specific { chosen[key] = (item, true) }
                continue
            }
            chosen[key] = (item, specific)
            order.append(key)
        }
        let items = order.compactMap { chosen[$0]?.item }
        for item in items where item.bound != nil {
            guard item.bound == "min" || item.bound == "max" else {
                throw reader.error(.invalidValue, item.element, "\(item.displayName) has ovf:bound \"\(item.bound!)\"")
            }
            guard chosen["\(item.instanceID)|normal"] != nil else {
                throw reader.error(
                    .missingField, item.element,
                    "\(item.displayName) gives a \(item.bound!) bound without a normal value for InstanceID \(item.instanceID)"
                )
            }
            _ = try item.integer("VirtualQuantity", reader: reader)
        }
        return items.filter { $0.bound == nil }
    }

    private func duplicateResource(_ item: OVFItem, _ what: String) -> VMwareConfigError {
        reader.error(.duplicate, item.element, "a second \(what) item (\(item.displayName))")
    }

    // MARK: CPU, memory, firmware

    private mutating func readCPU(_ item: OVFItem?) throws(VMwareConfigError) {
        guard let item else {
            machine.vcpus = 1
            machine.coresPerSocket = 1
            warnings.append("the hardware has no processor item; assuming 1 vCPU")
            return
        }
        guard item.text("VirtualQuantity") != nil else {
            machine.vcpus = 1
            machine.coresPerSocket = 1
            warnings.append("\(item.displayName) states no VirtualQuantity; assuming 1 vCPU")
            return
        }
        guard let count = try item.integer("VirtualQuantity", reader: reader), count > 0, count <= 4096 else {
            throw reader.error(.invalidValue, item.element, "\(item.displayName) does not give a valid vCPU count")
        }
        machine.vcpus = Int(count)
        machine.coresPerSocket = 1
        if let coresElement = item.element.children.first(where: { $0.name == "CoresPerSocket" }) {
            let text = coresElement.trimmedText
            guard let cores = Int(text), cores > 0, machine.vcpus % cores == 0 else {
                throw reader.error(
                    .invalidValue, coresElement,
                    "CoresPerSocket \"\(text)\" does not divide \(count) vCPUs into whole sockets")
            }
            machine.coresPerSocket = cores
        }
    }

    private mutating func readMemory(_ item: OVFItem?) throws(VMwareConfigError) {
        guard let item else {
            // virt-v2v's default for an OVF without a memory item.
            machine.memoryMiB = 1024
            warnings.append("the hardware has no memory item; assuming 1024 MiB")
            return
        }
        guard item.text("VirtualQuantity") != nil else {
            // A memory item may give only a reservation (a vApp's resource settings).
            machine.memoryMiB = 1024
            warnings.append("\(item.displayName) states no VirtualQuantity; assuming 1024 MiB")
            return
        }
        guard let quantity = try item.integer("VirtualQuantity", reader: reader), quantity > 0 else {
            throw reader.error(.invalidValue, item.element, "\(item.displayName) does not give a memory size")
        }
        // OVF writers that omit the unit mean MiB (VMware's and virt-v2v's reading).
        let unitText = item.text("AllocationUnits") ?? "byte * 2^20"
        guard let unit = OVFUnits.multiplier(unitText) else {
            throw reader.error(
                .invalidValue, item.element, "\(item.displayName) has unknown AllocationUnits \"\(unitText)\"")
        }
        guard let bytes = OVFUnits.bytes(quantity, unit: unit), bytes <= UInt64(24) << 40 else {
            throw reader.error(
                .tooLarge, item.element,
                "\(item.displayName): \(quantity) × \(unitText) exceeds VMware's 24 TiB maximum")
        }
        let mebibytes = (bytes + (1 << 20) - 1) >> 20
        machine.memoryMiB = Int(mebibytes)
        if bytes % (1 << 20) != 0 {
            warnings.append("memory of \(bytes) bytes is not a whole number of MiB; rounded up to \(mebibytes) MiB")
        }
    }

    private mutating func readConfig(_ config: [String: String], section: XMLTree.Element) throws(VMwareConfigError) {
        let secureBoot =
            Self.isTrue(config["bootOptions.efiSecureBootEnabled"]) || Self.isTrue(config["uefi.secureBoot.enabled"])
        switch config["firmware"]?.trimmingSpaces().lowercased() {
        case nil, "", "bios": machine.firmware = .bios
        case "efi": machine.firmware = .efi(secureBoot: secureBoot)
        case let other?:
            throw reader.error(.unsupported, section, "firmware \"\(other)\" is neither \"efi\" nor \"bios\"")
        }
        if let uuid = config["uuid.bios"] ?? config["uuid"] {
            guard let normalised = Identifiers.uuid(uuid) else {
                throw reader.error(.invalidValue, section, "uuid \"\(uuid)\" is not a UUID")
            }
            machine.uuid = normalised
        }
        if let low = config["vm.genid"].flatMap({ Int64($0.trimmingSpaces()) }),
            let high = (config["vm.genidX"] ?? config["vm.genidx"]).flatMap({ Int64($0.trimmingSpaces()) })
        {
            machine.genid = GenerationID(low: low, high: high).guidString
        }
    }

    private static func isTrue(_ value: String?) -> Bool {
        guard let value = value?.trimmingSpaces().lowercased() else { return false }
        return value == "true" || value == "1" || value == "yes"
    }

    /// `vmx-13`, or a list such as `vmx-07 vmx-08` (the newest is the VM's version).
    static func hardwareVersion(_ type: String) -> Int? {
        type.split(whereSeparator: { $0 == " " || $0 == "," })
            .compactMap { token -> Int? in
                let text = token.lowercased()
                guard text.hasPrefix("vmx-") else { return nil }
                return Int(text.dropFirst(4))
            }
            .max()
    }

    // MARK: Controllers and drives

    private mutating func readController(_ item: OVFItem) throws(VMwareConfigError) {
        let bus: DiskDevice.Bus
        var model: SCSIControllerModel?
        switch item.resourceType {
        case OVFItem.ResourceType.ideController:
            bus = .ide
        case OVFItem.ResourceType.scsiController:
            bus = .scsi
            model = scsiModel(item)
        case OVFItem.ResourceType.otherStorage:
            let subtypes = item.subtypes
            if subtypes.contains(where: { $0.contains("nvme") }) {
                bus = .nvme
            } else if subtypes.contains(where: { $0.contains("sata") || $0 == "ahci" }) {
                bus = .sata
            } else if subtypes.contains(where: { $0.contains("nvdimm") }) {
                warnings.append("\(item.displayName) is an NVDIMM controller; virtual NVDIMMs are not migrated")
                return
            } else {
                warnings.append(
                    "\(item.displayName) is a storage controller of unknown type \"\(item.text("ResourceSubType") ?? "")\"; treated as SATA"
                )
                bus = .sata
            }
        default:
            return
        }
        let number = controllerCount[bus, default: 0]
        controllerCount[bus] = number + 1
        var index = number
        if let address = item.text("Address") ?? item.text("BusNumber"), let value = Int(address), value >= 0,
            value < 64
        {
            index = value
        }
        controllers[item.instanceID] = Controller(bus: bus, index: index, model: model)
    }

    /// The first model VMware knows from `ResourceSubType`, which may list alternatives
    /// for other hypervisors ("buslogic, lsilogic").
    private mutating func scsiModel(_ item: OVFItem) -> SCSIControllerModel? {
        let subtypes = item.subtypes
        for subtype in subtypes {
            switch subtype {
            case "lsilogic": return .lsilogic
            case "lsilogicsas", "lsisas1068": return .lsisas1068
            case "virtualscsi", "pvscsi", "paravirtual": return .pvscsi
            case "buslogic": return .buslogic
            default: continue
            }
        }
        guard let first = subtypes.first else { return nil }
        warnings.append("\(item.displayName) has SCSI controller type \"\(first)\", which Ferry does not know")
        return SCSIControllerModel(rawValue: first)
    }

    private mutating func readDrive(_ item: OVFItem) throws(VMwareConfigError) {
        let kind: DiskDevice.DeviceType =
            switch item.resourceType {
            case OVFItem.ResourceType.disk: .disk
            case OVFItem.ResourceType.floppy: .floppy
            default: .cdrom
            }
        var device = DiskDevice(bus: .floppy, controller: 0, unit: 0, deviceType: kind, backing: .none)
        if kind == .floppy {
            device.unit = machine.disks.filter { $0.bus == .floppy }.count
        } else {
            let parentID: String
            if let parent = item.text("Parent") {
                parentID = parent
            } else {
                // OVF lets the deployer pick the controller ("preferSCSI…" packages);
                // Ferry uses the first controller of the usual bus, creating one if needed.
                parentID = defaultController(for: kind)
                warnings.append(
                    "\(item.displayName) names no controller; attached to \(controllers[parentID]!.bus.rawValue)\(controllers[parentID]!.index)"
                )
            }
            guard var controller = controllers[parentID] else {
                throw reader.error(
                    .danglingReference, item.element,
                    "\(item.displayName)'s Parent \(parentID) is not a disk controller in this hardware section")
            }
            device.bus = controller.bus
            device.controller = controller.index
            device.controllerModel = controller.model
            if let address = item.text("AddressOnParent") {
                guard let unit = Int(address), unit >= 0 else {
                    throw reader.error(
                        .invalidValue, item.element,
                        "\(item.displayName): AddressOnParent \"\(address)\" is not a unit number")
                }
                device.unit = unit
            } else {
                device.unit = controller.nextUnit
            }
            if isTaken(device) {
                // VirtualBox exports put an IDE disk and CD-ROM on the same address; OVF
                // Tool's lax mode moves one, and so does Ferry, loudly.
                let wanted = device.unit
                while isTaken(device) { device.unit += 1 }
                warnings.append(
                    "\(item.displayName) asks for \(device.bus.rawValue)\(device.controller):\(wanted), which is taken; moved to unit \(device.unit)"
                )
            }
            controller.nextUnit = max(controller.nextUnit, device.unit + 1)
            controllers[parentID] = controller
        }
        try attachBacking(item, to: &device)
        if let fileName = device.fileName,
            let other = machine.disks.first(where: { $0.fileName == fileName && $0.backing == .file })
        {
            warnings.append(
                "\(item.displayName) and the \(other.deviceType.rawValue) at \(other.bus.rawValue)\(other.controller):\(other.unit) use the same file \(fileName); it is imported twice"
            )
        }
        if kind == .disk, device.backing == .none, device.capacityBytes == nil {
            warnings.append("\(item.displayName) has no disk behind it (no HostResource); nothing to import for it")
        }
        machine.disks.append(device)
    }

    private func isTaken(_ device: DiskDevice) -> Bool {
        machine.disks.contains { $0.bus == device.bus && $0.controller == device.controller && $0.unit == device.unit }
    }

    /// The InstanceID of the first SCSI (disks) or IDE (CD-ROMs) controller, synthesised
    /// when the hardware has none.
    private mutating func defaultController(for kind: DiskDevice.DeviceType) -> String {
        let bus: DiskDevice.Bus = kind == .disk ? .scsi : .ide
        if let existing = controllers.filter({ $0.value.bus == bus }).min(by: { $0.value.index < $1.value.index }) {
            return existing.key
        }
        let key = "ferry-default-\(bus.rawValue)"
        controllers[key] = Controller(bus: bus, index: 0, model: nil)
        return key
    }

    /// Follows `HostResource` (`ovf:/disk/ID` → DiskSection → File, or `ovf:/file/ID`).
    private mutating func attachBacking(_ item: OVFItem, to device: inout DiskDevice) throws(VMwareConfigError) {
        guard let resource = item.text("HostResource") else {
            // vmware.cdrom.remotepassthrough / .remoteatapi / vmware.floppy.remotedevice
            // are the vSphere client's drive; .atapi / .passthrough / .device the host's.
            let subtypes = item.subtypes
            if subtypes.contains(where: { $0.contains("remote") }) {
                device.backing = .clientDevice
            } else if subtypes.contains(where: {
                $0.contains("passthrough") || $0.contains("atapi") || $0.hasSuffix(".device")
            }) {
                device.backing = .hostDevice
            }
            return
        }
        var path = Substring(resource)
        if path.hasPrefix("ovf:") { path = path.dropFirst(4) }
        while path.hasPrefix("/") { path = path.dropFirst() }
        let parts = path.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw reader.error(
                .invalidValue, item.element,
                "\(item.displayName): HostResource \"\(resource)\" is not ovf:/disk/ID or ovf:/file/ID")
        }
        var fileID: String?
        switch parts[0] {
        case "disk":
            guard let index = reader.disksByID[parts[1]] else {
                throw reader.error(
                    .danglingReference, item.element,
                    "\(item.displayName) uses disk \(parts[1]), which DiskSection does not describe")
            }
            let disk = reader.disks[index]
            device.capacityBytes = disk.capacityBytes
            fileID = disk.fileRef
        case "file":
            guard reader.filesByID[parts[1]] != nil else {
                throw reader.error(
                    .danglingReference, item.element,
                    "\(item.displayName) uses file \(parts[1]), which References does not list")
            }
            fileID = parts[1]
        default:
            throw reader.error(
                .invalidValue, item.element,
                "\(item.displayName): HostResource \"\(resource)\" is not ovf:/disk/ID or ovf:/file/ID")
        }
        guard let fileID, let index = reader.filesByID[fileID] else { return }
        let href = reader.files[index].href
        device.fileName = href
        device.backing = .file
        device.resolvedPath = localPath(href)
    }

    /// The file beside the descriptor, for a plain relative href; a URL or a path leaving
    /// the package folder is not resolved (the importer refuses it), only noted.
    private mutating func localPath(_ href: String) -> String? {
        guard let directory = reader.directory else { return nil }
        if href.contains("://") {
            envelopeWarnings.append("\(reader.file): file \(href) is remote; download it before importing")
            return nil
        }
        let components = href.split(separator: "/")
        guard !href.hasPrefix("/"), !components.contains(".."), !href.contains("\\") else {
            envelopeWarnings.append("\(reader.file): file \(href) lies outside the package folder; it is not read")
            return nil
        }
        return DatastoreMap.join(directory, href)
    }

    // MARK: NICs and the rest

    private mutating func readNIC(_ item: OVFItem) throws(VMwareConfigError) {
        var nic = NetworkInterface(index: machine.nics.count)
        if let subtype = item.text("ResourceSubType") {
            let model: NICModel =
                switch subtype.lowercased() {
                case "pcnet32", "vlance": .vlance
                case "vmxnet": .vmxnet
                case "vmxnet2": .vmxnet2
                case "vmxnet3": .vmxnet3
                case "e1000": .e1000
                case "e1000e": .e1000e
                default: NICModel(rawValue: subtype)
                }
            if !NICModel.known.contains(model) {
                warnings.append("\(item.displayName) has NIC type \"\(subtype)\", which Ferry does not know")
            }
            nic.model = model
        }
        nic.networkName = item.text("Connection")
        // A connection names one of the package's logical networks; an undeclared one
        // means the NetworkSection was lost or edited out of step.
        if let network = nic.networkName, !reader.networks.contains(network) {
            throw reader.error(
                .danglingReference, item.property("Connection") ?? item.element,
                "\(item.displayName) connects to network \"\(network)\", which NetworkSection does not declare")
        }
        if let address = item.text("Address") {
            guard let mac = Identifiers.mac(address) else {
                throw reader.error(
                    .invalidValue, item.element, "\(item.displayName): Address \"\(address)\" is not a MAC address")
            }
            nic.mac = mac
        }
        if let connected = item.text("AutomaticAllocation") {
            nic.startConnected = connected.lowercased() != "false"
        }
        machine.nics.append(nic)
    }

    private mutating func noteOther(_ item: OVFItem) {
        let subtypes = item.subtypes
        let name = item.displayName
        if subtypes.contains(where: { $0.contains("passthrough") || $0.contains("sriov") }) {
            warnings.append("\(name) is a PCI pass-through or SR-IOV device; it stays with the VMware host")
        } else if subtypes.contains("vmware.vtpm") || item.resourceType == 34 {
            warnings.append(
                "\(name) is a virtual TPM; its keys stay on VMware, so BitLocker or measured boot will ask for recovery"
            )
        } else if subtypes.contains(where: { $0.contains("nvdimm") }) {
            warnings.append("\(name) is a virtual NVDIMM; its contents are not migrated")
        } else if item.resourceType == OVFItem.ResourceType.parallelPort {
            warnings.append("\(name) is a parallel port; Ferry does not recreate it")
        } else if [OVFItem.ResourceType.fibreChannelHBA, OVFItem.ResourceType.iSCSIHBA, OVFItem.ResourceType.tape]
            .contains(item.resourceType)
        {
            warnings.append("\(name) (ResourceType \(item.resourceType)) is hardware Ferry cannot carry over")
        } else if ![OVFItem.ResourceType.other, OVFItem.ResourceType.usbController, OVFItem.ResourceType.graphics]
            .contains(item.resourceType), item.element.isRequired
        {
            warnings.append("\(name) has ResourceType \(item.resourceType), which Ferry does not handle; ignored")
        }
    }
}
