import Foundation

/// Turns a .vmx into a ``VirtualMachine``.
///
/// Strict where a wrong guess would change the migrated guest (memory, CPU topology,
/// firmware, UUID, MACs, which disk files are imported), lenient where Ferry replaces the
/// hardware anyway (controller and NIC models, serial ports), which it reports as warnings.
/// The rules that differ from libvirt's VMX driver are spelled out in the tests.
public struct VMXParser: Sendable {
    public struct Options: Sendable {
        /// How `/vmfs/volumes/…` and other absolute file names reach local folders.
        public var datastores: DatastoreMap
        /// Check that each hard disk's resolved file exists (missing → `.missingFile`), and
        /// each CD-ROM/floppy image (missing → warning, drive kept empty). Off by default so
        /// a VMX can be inspected away from its datastore.
        public var checkFilesExist: Bool

        public init(datastores: DatastoreMap = DatastoreMap(), checkFilesExist: Bool = false) {
            self.datastores = datastores
            self.checkFilesExist = checkFilesExist
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Reads and parses the .vmx at `path`; relative disk names resolve against its folder.
    /// - Throws: `VMwareConfigError` (see ``parse(_:vmxDirectory:)``, plus `.io`).
    public func parse(contentsOf path: String) throws(VMwareConfigError) -> VirtualMachine {
        let document = try VMXDocument(contentsOf: path)
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(document, vmxDirectory: directory.isEmpty ? "." : directory)
    }

    /// Interprets a parsed document.
    /// - Parameter vmxDirectory: the folder relative `fileName`s are resolved against.
    /// - Throws: `VMwareConfigError`: `.unsupported` (config.version ≠ 8, virtualHW.version
    ///   < 4, unknown firmware, an encrypted VM), `.invalidValue` (numbers, UUIDs, MACs, bad
    ///   escapes, impossible topology or device addresses), `.missingField` (a hard disk
    ///   without fileName, a static MAC without address), `.unmappedDatastore`,
    ///   `.missingFile` (with ``Options/checkFilesExist``).
    public func parse(_ document: VMXDocument, vmxDirectory: String) throws(VMwareConfigError) -> VirtualMachine {
        var reader = VMXReader(document: document, options: options, vmxDirectory: vmxDirectory)
        return try reader.read()
    }
}

/// The state of one parse: the document and the warnings gathered so far.
struct VMXReader {
    let document: VMXDocument
    let options: VMXParser.Options
    let vmxDirectory: String
    var warnings: [String] = []

    init(document: VMXDocument, options: VMXParser.Options, vmxDirectory: String) {
        self.document = document
        self.options = options
        self.vmxDirectory = vmxDirectory
        self.warnings = document.warnings
    }

    mutating func read() throws(VMwareConfigError) -> VirtualMachine {
        try checkVersions()
        try refuseEncrypted()
        let name = try readName()
        let (vcpus, cores) = try readCPU()
        var machine = VirtualMachine(
            name: name,
            uuid: try document.uuid("uuid.bios"),
            instanceUUID: try document.uuid("vc.uuid"),
            memoryMiB: try readMemory(),
            vcpus: vcpus,
            coresPerSocket: cores,
            firmware: try readFirmware(),
            guestOS: try document.text("guestOS").flatMap { $0.isEmpty ? nil : $0 },
            hardwareVersion: try document.integer("virtualHW.version"),
            genid: try readGenerationID()?.guidString,
            annotation: try document.string("annotation").flatMap { $0.isEmpty ? nil : $0 }
        )
        machine.disks = try readDisks()
        machine.nics = try readNetworkInterfaces()
        machine.serialPorts = try readSerialPorts()
        try noteUnsupportedHardware()
        machine.warnings = warnings
        return machine
    }

    private func checkVersions() throws(VMwareConfigError) {
        if let entry = document.entry("config.version") {
            // Every VMware product since ESX 3 / Workstation 5 writes 8; anything else is a
            // format Ferry has never seen.
            guard let version = try document.integer("config.version") else { return }
            guard version == 8 else {
                throw VMwareConfigError(
                    .unsupported, file: document.file, key: entry.key, line: entry.line,
                    "\(entry.key) is \(version); only config version 8 is supported")
            }
        }
        if let entry = document.entry("virtualHW.version"), let version = try document.integer("virtualHW.version") {
            guard version >= 4 else {
                throw VMwareConfigError(
                    .unsupported, file: document.file, key: entry.key, line: entry.line,
                    "\(entry.key) is \(version); virtual hardware before version 4 (ESX 3, Workstation 5) is not supported"
                )
            }
        }
    }

    /// An encrypted VM keeps its real configuration inside `encryption.data` and its disks
    /// encrypted with keys held by a KMS; nothing here could be migrated from the files.
    private func refuseEncrypted() throws(VMwareConfigError) {
        for key in ["encryption.keySafe", "encryption.data"] where document.contains(key) {
            throw document.error(
                .unsupported, key, "the VM is encrypted (\(key)); decrypt it in vSphere before migrating")
        }
    }

    private mutating func readName() throws(VMwareConfigError) -> String {
        if let name = try document.string("displayName"), !name.trimmingSpaces().isEmpty {
            return name
        }
        let base = ((document.file as NSString).lastPathComponent as NSString).deletingPathExtension
        warnings.append("no displayName; the VM is named \"\(base)\" after its file")
        return base
    }

    private func readMemory() throws(VMwareConfigError) -> Int {
        // VMware's default when memsize is absent is 32 MiB (libvirt and virt-v2v agree).
        guard let memory = try document.integer("memSize") else { return 32 }
        let entry = document.entry("memSize")!
        guard memory > 0, memory % 4 == 0 else {
            throw document.invalid(entry, "is not a positive multiple of 4 (MiB)")
        }
        // ESXi 8's maximum is 24 TiB; a larger value is corruption, and would overflow KiB
        // or byte conversions downstream.
        guard memory <= 24 << 20 else { throw document.invalid(entry, "exceeds VMware's maximum of 24 TiB") }
        return memory
    }

    private func readCPU() throws(VMwareConfigError) -> (vcpus: Int, cores: Int) {
        let vcpus = try document.integer("numvcpus") ?? 1
        if let entry = document.entry("numvcpus") {
            guard vcpus > 0 else { throw document.invalid(entry, "is not a positive number of vCPUs") }
            guard vcpus <= 4096 else { throw document.invalid(entry, "exceeds any VMware maximum of vCPUs") }
        }
        let cores = try document.integer("cpuid.coresPerSocket") ?? 1
        if let entry = document.entry("cpuid.coresPerSocket") {
            guard cores > 0, vcpus % cores == 0 else {
                throw document.invalid(entry, "does not divide numvcpus (\(vcpus)) into whole sockets")
            }
        }
        return (vcpus, cores)
    }

    private func readFirmware() throws(VMwareConfigError) -> Firmware {
        let secureBoot = try document.bool("uefi.secureBoot.enabled", default: false)
        switch try document.lowercased("firmware") {
        case nil, "bios": return .bios
        case "efi": return .efi(secureBoot: secureBoot)
        case let other?:
            // Booting an EFI-installed guest with BIOS (virt-v2v's fallback) leaves it
            // unbootable; refusing is kinder than a VM that never comes up.
            throw document.error(.unsupported, "firmware", "firmware \"\(other)\" is neither \"efi\" nor \"bios\"")
        }
    }

    private mutating func readGenerationID() throws(VMwareConfigError) -> GenerationID? {
        let low = try document.int64("vm.genid")
        let high = try document.int64("vm.genidX")
        switch (low, high) {
        case let (low?, high?): return GenerationID(low: low, high: high)
        case (nil, nil): return nil
        default:
            warnings.append("only one of vm.genid and vm.genidX is set; the generation ID is not carried over")
            return nil
        }
    }

    /// The N of every `NAMEN.present` key, sorted.
    func indices(of name: String) -> [Int] {
        var found = Set<Int>()
        let prefix = name.lowercased()
        for key in document.keys where key.hasPrefix(prefix) && key.hasSuffix(".present") {
            let digits = key.dropFirst(prefix.count).dropLast(".present".count)
            if !digits.isEmpty, digits.allSatisfy(\.isNumber), let number = Int(digits) { found.insert(number) }
        }
        return found.sorted()
    }

    /// Checks `path` when asked to.
    func fileExists(_ path: String) -> Bool {
        !options.checkFilesExist || FileManager.default.fileExists(atPath: path)
    }
}
