import FerryBasics
import Foundation

/// Reads OVF descriptors (OVF 0.9, 1.x and 2.0, as written by ovftool, vCenter, ESXi and
/// VMware Studio) into an ``OVFDescriptor`` whose virtual machines use the same
/// ``VirtualMachine`` model as a .vmx.
///
/// The descriptor is untrusted input (an OVA downloaded from a vendor, a colleague's
/// export): it is size-limited, refused outright if it declares a DTD or entity, and every
/// size is multiplied with overflow checks. Beyond what Ferry needs, the parser enforces
/// the OVF rules whose violation means the package is not what it claims to be: unique and
/// resolvable ids and references, sane sizes, sections in their allowed places, required
/// `Info` elements, and no required section Ferry does not understand.
public struct OVFParser: Sendable {
    public struct Options: Sendable {
        /// The largest descriptor accepted. Real ones are under 1 MiB; OVF Tool's own
        /// limit is in this range too.
        public var maximumSize: Int

        public init(maximumSize: Int = 16 << 20) {
            self.maximumSize = maximumSize
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Reads and parses the .ovf at `path`. Disks' `resolvedPath` is set to the file beside
    /// the descriptor (the unpacked-OVA layout) when the href is a plain relative name.
    /// - Throws: `VMwareConfigError` (see ``parse(_:file:directory:)``, plus `.io`).
    public func parse(contentsOf path: String) throws(VMwareConfigError) -> OVFDescriptor {
        let bytes: [UInt8]
        do throws(WholeFile.Failure) {
            bytes = try WholeFile.read(path, limit: options.maximumSize)
        } catch {
            switch error {
            case .tooLarge(let size):
                throw VMwareConfigError(
                    .tooLarge, file: path,
                    "is \(size) bytes, more than the \(options.maximumSize)-byte limit for a descriptor")
            case .system:
                throw VMwareConfigError(.io, file: path, "cannot be read: \(error)")
            }
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(bytes, file: path, directory: directory.isEmpty ? "." : directory)
    }

    /// Parses descriptor bytes (for an OVA, the `.ovf` member).
    /// - Parameters:
    ///   - file: the name used in errors (`vm.ova:vm.ovf`).
    ///   - directory: where the package's files are, to fill in `resolvedPath`; nil for an OVA.
    /// - Throws: `VMwareConfigError`: `.tooLarge` (descriptor or an overflowing size),
    ///   `.externalEntity`, `.syntax`, `.unsupported` (unknown namespace, a required
    ///   section Ferry does not understand, a compression other than gzip),
    ///   `.missingField`, `.invalidValue`, `.duplicate`, `.danglingReference`.
    public func parse(_ bytes: [UInt8], file: String, directory: String? = nil) throws(VMwareConfigError)
        -> OVFDescriptor
    {
        let root = try XMLTree.parse(bytes, file: file, maximumSize: options.maximumSize)
        var reader = try OVFReader(root: root, file: file, directory: directory)
        return try reader.read()
    }
}

/// The state of one OVF parse.
struct OVFReader {
    static let envelopeNamespaces: [String: OVFDescriptor.Version] = [
        "http://schemas.dmtf.org/ovf/envelope/1": .v1,
        "http://schemas.dmtf.org/ovf/envelope/2": .v2,
        "http://www.vmware.com/schema/ovf/1/envelope": .v0_9,
    ]

    /// Where each standard section may appear (DSP0243 §9, "Section placement").
    enum Place { case envelope, virtualSystem, collection }
    static let placement: [String: Set<Place>] = [
        "DiskSection": [.envelope],
        "NetworkSection": [.envelope],
        "DeploymentOptionSection": [.envelope],
        "SharedDiskSection": [.envelope],
        "PlacementGroupSection": [.envelope],
        "EncryptionSection": [.envelope],
        "ResourceAllocationSection": [.collection],
        "StartupSection": [.collection],
        "ScaleOutSection": [.collection],
        "AnnotationSection": [.virtualSystem, .collection],
        "ProductSection": [.virtualSystem, .collection],
        // OVF 1.x limits EulaSection to contents, but 0.9 packages (VMware Studio, OVF
        // Tool's own samples) put it in the Envelope and OVF Tool accepts them.
        "EulaSection": [.envelope, .virtualSystem, .collection],
        "PlacementSection": [.virtualSystem, .collection],
        "OperatingSystemSection": [.virtualSystem],
        "InstallSection": [.virtualSystem],
        "VirtualHardwareSection": [.virtualSystem],
        "EnvironmentFilesSection": [.virtualSystem],
        "BootDeviceSection": [.virtualSystem],
    ]

    /// VMware and vCloud extension sections Ferry recognises and deliberately ignores: they
    /// steer vSphere placement, guest customisation or vService bindings, none of which
    /// exists on the KVM side, so even `ovf:required="true"` on them does not stop an import.
    static let ignorableExtensionSections: Set<String> = [
        "BootOrderSection", "IpAssignmentSection", "StorageSection", "StorageGroupSection",
        "TagBasedPlacementSection", "TagBasedPlacementGroupSection", "CpuCompatibilitySection",
        "vServiceDependencySection", "MigrationUpgradeRequisitesSection", "GuestCustomizationSection",
        "NetworkConfigSection", "NetworkConnectionSection", "CustomizationSection", "LeaseSettingsSection",
        "PlacementSection", "PlacementGroupSection", "ScaleOutSection", "RuntimeInfoSection",
        "VirtualHardwareVersionSection",
    ]

    let root: XMLTree.Element
    let file: String
    let directory: String?
    let version: OVFDescriptor.Version
    let namespace: String?
    var files: [OVFDescriptor.File] = []
    var filesByID: [String: Int] = [:]
    var disks: [OVFDescriptor.Disk] = []
    var disksByID: [String: Int] = [:]
    var networks: [String] = []
    var warnings: [String] = []
    /// The deployment configuration whose items are used (the default one).
    var configuration: String?
    var machines: [VirtualMachine] = []

    /// True when the Envelope offers deployment configurations.
    var hasDeploymentOptions: Bool {
        root.children.contains { $0.ovfName == "DeploymentOptionSection" }
    }

    init(root: XMLTree.Element, file: String, directory: String?) throws(VMwareConfigError) {
        self.root = root
        self.file = file
        self.directory = directory
        guard root.name == "Envelope" else {
            throw VMwareConfigError(
                .unsupported, file: file, key: root.name, line: root.line,
                "the root element is <\(root.name)>, not an OVF <Envelope>")
        }
        // An Envelope in no namespace whose `ovf` prefix is bound to an OVF namespace is
        // read as that version (some hand-edited ovftool 3.5 output drops the default xmlns).
        let declared =
            root.namespace ?? root.declarations["ovf"].flatMap { Self.envelopeNamespaces[$0] != nil ? $0 : nil }
        guard let namespace = declared, let version = Self.envelopeNamespaces[namespace] else {
            throw VMwareConfigError(
                .unsupported, file: file, key: "Envelope", line: root.line,
                "the Envelope's namespace \"\(root.namespace ?? "(none)")\" is not an OVF 0.9, 1.x or 2.0 namespace")
        }
        self.namespace = namespace
        self.version = version
        if version == .v0_9 {
            // VMware used this namespace for several drafts; `ovf:version="0.9"` is what
            // marks the one VMware products wrote and OVF Tool still reads.
            let stated = root.attribute("version")
            guard stated == "0.9" else {
                throw VMwareConfigError(
                    .unsupported, file: file, key: "Envelope", line: root.line,
                    stated == nil
                        ? "a VMware pre-standard OVF Envelope must say ovf:version=\"0.9\""
                        : "OVF version \"\(stated!)\" in the VMware 0.9 namespace is not supported")
            }
        }
    }

    mutating func read() throws(VMwareConfigError) -> OVFDescriptor {
        // References and DiskSection first, whatever their order in the file, so that
        // VirtualSystems can resolve against them.
        var contents: [XMLTree.Element] = []
        for child in root.children {
            guard try isCore(child) else { continue }
            switch child.ovfName {
            case "References": try readReferences(child)
            case "VirtualSystem", "VirtualSystemCollection": contents.append(child)
            default: break
            }
        }
        for child in root.children where try isCore(child) {
            let name = child.ovfName
            switch name {
            case "References", "VirtualSystem", "VirtualSystemCollection", "Strings", "Info", "Name": continue
            case "DiskSection": try readDiskSection(child)
            case "NetworkSection": try readNetworkSection(child)
            case "DeploymentOptionSection":
                noteMissingInfo(child)
                try readDeploymentOptions(child)
            default: try checkSection(child, in: .envelope)
            }
        }
        for child in root.children where try !isCore(child) {
            try checkExtension(child)
        }
        guard contents.count == 1 else {
            throw VMwareConfigError(
                .missingField, file: file, key: "VirtualSystem", line: contents.dropFirst().first?.line ?? root.line,
                contents.isEmpty
                    ? "the Envelope has no VirtualSystem or VirtualSystemCollection; there is nothing to import"
                    : "the Envelope has \(contents.count) top-level contents; OVF allows exactly one")
        }
        try readContent(contents[0])
        return OVFDescriptor(
            version: version, files: files, disks: disks, networks: networks, virtualMachines: machines,
            warnings: warnings)
    }

    // MARK: Element classification

    /// True for an element in the Envelope's own namespace (or, as OVF 0.9 writes them,
    /// in no namespace). A core element name in the *other* OVF version's namespace means
    /// the descriptor mixes versions, which no OVF tool writes.
    func isCore(_ element: XMLTree.Element) throws(VMwareConfigError) -> Bool {
        if element.namespace == nil || element.namespace == namespace { return true }
        if let other = element.namespace, Self.envelopeNamespaces[other] != nil,
            ["References", "DiskSection", "NetworkSection", "VirtualSystem", "VirtualSystemCollection"]
                .contains(element.ovfName)
        {
            throw error(
                .unsupported, element,
                "<\(element.ovfName)> is in OVF namespace \(other) but the Envelope is in \(namespace ?? "?"); versions cannot be mixed"
            )
        }
        return false
    }

    /// A standard-namespace section that is not read for the VM: placed where OVF allows
    /// it, with its Info, and understood unless it says it is optional.
    mutating func checkSection(_ section: XMLTree.Element, in place: Place) throws(VMwareConfigError) {
        let name = section.ovfName
        if let allowed = Self.placement[name] {
            guard allowed.contains(place) else {
                throw error(.invalidValue, section, "\(name) is not allowed \(Self.describe(place))")
            }
            noteMissingInfo(section)
            if name == "ProductSection" { try checkProductSection(section) }
            return
        }
        if !section.isRequired {
            warnings.append("\(file): line \(section.line): optional \(name) ignored")
            return
        }
        guard section.isSection else {
            throw error(.syntax, section, "<\(section.name)> is not an OVF element allowed \(Self.describe(place))")
        }
        throw error(
            .unsupported, section,
            "\(name) is a required section Ferry does not understand (it is not marked ovf:required=\"false\")")
    }

    /// An element from an extension namespace (vmw:, vcloud:, a vendor's): ignored when
    /// optional or known, refused when it is a section that claims to be required.
    mutating func checkExtension(_ element: XMLTree.Element) throws(VMwareConfigError) {
        guard element.isSection else { return }
        let name = element.ovfName
        if name == "VirtualDeviceGroupSection" {
            warnings.append("\(file): line \(element.line): vendor device groups (vGPU, DirectPath) are not migrated")
            return
        }
        if Self.ignorableExtensionSections.contains(name) || !element.isRequired { return }
        throw error(
            .unsupported, element,
            "\(name) (\(element.namespace ?? "no namespace")) is a required extension section Ferry does not understand"
        )
    }

    /// A VirtualSystem or VirtualSystemCollection must have its Info (DSP0243; OVF Tool
    /// refuses packages without it).
    func requireInfo(_ element: XMLTree.Element) throws(VMwareConfigError) {
        guard element.child(named: "Info") != nil else {
            throw error(.missingField, element, "\(element.ovfName) has no <Info>, which OVF requires")
        }
    }

    static func describe(_ place: Place) -> String {
        switch place {
        case .envelope: "directly in the Envelope"
        case .virtualSystem: "in a VirtualSystem"
        case .collection: "in a VirtualSystemCollection"
        }
    }

    func error(_ code: VMwareConfigError.Code, _ element: XMLTree.Element, _ message: String) -> VMwareConfigError {
        VMwareConfigError(code, file: file, key: element.ovfName, line: element.line, message)
    }

    // MARK: Envelope sections

    private mutating func readReferences(_ references: XMLTree.Element) throws(VMwareConfigError) {
        var hrefs: [String: Int] = [:]
        for element in references.children {
            guard element.ovfName == "File" else {
                if element.namespace == nil || element.namespace == namespace {
                    throw error(.syntax, element, "<\(element.name)> is not allowed in References")
                }
                continue
            }
            guard let id = element.attribute("id"), !id.trimmingSpaces().isEmpty else {
                throw error(.missingField, element, "a File has no ovf:id")
            }
            guard let href = element.attribute("href"), !href.trimmingSpaces().isEmpty else {
                throw error(.missingField, element, "File \(id) has no ovf:href")
            }
            guard filesByID[id] == nil else { throw error(.duplicate, element, "File id \(id) is used twice") }
            if let line = hrefs[href] {
                throw error(.duplicate, element, "File \(id) names \"\(href)\" again (line \(line))")
            }
            let size = try byteCount(element.attribute("size"), "ovf:size of File \(id)", element, allowZero: true)
            let chunkSize = try byteCount(
                element.attribute("chunkSize"), "ovf:chunkSize of File \(id)", element, allowZero: false)
            var compression = element.attribute("compression")?.trimmingSpaces().lowercased()
            switch compression {
            case nil, "", "identity": compression = nil
            case "gzip": break
            case let other?:
                throw error(.unsupported, element, "File \(id) uses compression \"\(other)\"; only gzip is supported")
            }
            hrefs[href] = element.line
            filesByID[id] = files.count
            files.append(
                OVFDescriptor.File(id: id, href: href, size: size, chunkSize: chunkSize, compression: compression))
        }
    }

    /// A section's Info is only a caption shown to whoever deploys the package; govmomi's
    /// and VMware's own test descriptors omit it, so its absence is noted. (A content's
    /// Info stays required: ``requireInfo(_:)``.)
    mutating func noteMissingInfo(_ section: XMLTree.Element) {
        if section.child(named: "Info") == nil {
            warnings.append("\(file): line \(section.line): \(section.ovfName) has no <Info>")
        }
    }

    private mutating func readDiskSection(_ section: XMLTree.Element) throws(VMwareConfigError) {
        noteMissingInfo(section)
        var usedFiles: [String: String] = [:]
        for element in section.children where element.ovfName == "Disk" {
            guard let id = element.attribute("diskId"), !id.isEmpty else {
                throw error(.missingField, element, "a Disk has no ovf:diskId")
            }
            guard disksByID[id] == nil else { throw error(.duplicate, element, "Disk id \(id) is used twice") }
            let fileRef = element.attribute("fileRef").flatMap { $0.isEmpty ? nil : $0 }
            if let fileRef {
                guard filesByID[fileRef] != nil else {
                    throw error(
                        .danglingReference, element,
                        "Disk \(id) refers to File \(fileRef), which References does not list")
                }
                // Two Disks in one File only make sense as alternatives for different
                // deployment configurations (a small and a large variant of one image).
                if let other = usedFiles[fileRef], !hasDeploymentOptions {
                    throw error(.duplicate, element, "Disks \(other) and \(id) are both stored in File \(fileRef)")
                }
                usedFiles[fileRef] = id
            }
            let format = element.attribute("format").flatMap { $0.isEmpty ? nil : $0 }
            if fileRef != nil, format == nil {
                // Ferry never trusts the format URI: the VMDK reader identifies the file
                // from its own header. virt-v2v's and govmomi's own test packages omit it.
                warnings.append("\(file): line \(element.line): Disk \(id) has a file but no ovf:format")
            }
            let capacity = try capacityBytes(element, id: id)
            var populated: UInt64?
            if let text = element.attribute("populatedSize") {
                populated = try byteCount(text, "ovf:populatedSize of Disk \(id)", element, allowZero: true)
                if let populated, let capacity, populated > capacity {
                    throw error(
                        .invalidValue, element,
                        "Disk \(id) has more bytes populated (\(populated)) than its capacity (\(capacity))")
                }
            }
            let parent = element.attribute("parentRef").flatMap { $0.isEmpty ? nil : $0 }
            if let parent {
                // A delta disk names its base, which must already be described.
                guard disksByID[parent] != nil else {
                    throw error(
                        .danglingReference, element,
                        "Disk \(id) is a delta of Disk \(parent), which is not described before it")
                }
            }
            disksByID[id] = disks.count
            disks.append(
                OVFDescriptor.Disk(
                    id: id, fileRef: fileRef, capacityBytes: capacity, populatedSizeBytes: populated, format: format,
                    parentRef: parent))
        }
    }

    /// `ovf:capacity` × `ovf:capacityAllocationUnits`, overflow-checked. A `${property}`
    /// capacity is set at deployment and gives nil.
    private mutating func capacityBytes(_ element: XMLTree.Element, id: String) throws(VMwareConfigError) -> UInt64? {
        guard let text = element.attribute("capacity")?.trimmingSpaces(), !text.isEmpty else {
            throw error(.missingField, element, "Disk \(id) has no ovf:capacity")
        }
        if text.hasPrefix("${") {
            warnings.append("\(file): line \(element.line): Disk \(id) takes its capacity from property \(text)")
            return nil
        }
        guard let quantity = try byteCount(text, "ovf:capacity of Disk \(id)", element, allowZero: false) else {
            return nil
        }
        let unitText = element.attribute("capacityAllocationUnits")
        guard let unit = OVFUnits.multiplier(unitText) else {
            throw error(
                .invalidValue, element, "Disk \(id) has an unknown capacityAllocationUnits \"\(unitText ?? "")\"")
        }
        guard let bytes = OVFUnits.bytes(quantity, unit: unit), bytes <= UInt64(Int64.max) else {
            throw error(.tooLarge, element, "Disk \(id)'s capacity \(text) × \(unitText ?? "byte") overflows 64 bits")
        }
        return bytes
    }

    /// A non-negative decimal size that fits in Int64 (what file offsets and librbd take);
    /// nil when absent.
    func byteCount(
        _ text: String?, _ what: String, _ element: XMLTree.Element, allowZero: Bool
    ) throws(VMwareConfigError) -> UInt64? {
        guard let text = text?.trimmingSpaces(), !text.isEmpty else { return nil }
        if text.hasPrefix("-") {
            throw error(.invalidValue, element, "\(what) is negative (\(text))")
        }
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw error(.invalidValue, element, "\(what) \"\(text)\" is not a whole number")
        }
        guard let value = UInt64(text), value <= UInt64(Int64.max) else {
            throw error(.tooLarge, element, "\(what) \(text) exceeds 2^63-1")
        }
        guard allowZero || value > 0 else { throw error(.invalidValue, element, "\(what) is zero") }
        return value
    }

    private mutating func readNetworkSection(_ section: XMLTree.Element) throws(VMwareConfigError) {
        noteMissingInfo(section)
        for network in section.children where network.ovfName == "Network" {
            guard let name = network.attribute("name"), !name.isEmpty else {
                throw error(.missingField, network, "a Network has no ovf:name")
            }
            networks.append(name)
        }
    }

    private mutating func readDeploymentOptions(_ section: XMLTree.Element) throws(VMwareConfigError) {
        let configurations = section.children(named: "Configuration")
        let chosen = configurations.first { $0.attribute("default")?.lowercased() == "true" } ?? configurations.first
        configuration = chosen?.attribute("id")
        if let configuration, configurations.count > 1 {
            warnings.append("\(file): deployment option \"\(configuration)\" (the default) is used")
        }
    }

    // MARK: Content

    private mutating func readContent(_ content: XMLTree.Element) throws(VMwareConfigError) {
        guard let id = content.attribute("id"), !id.trimmingSpaces().isEmpty else {
            throw error(.missingField, content, "\(content.ovfName) has no ovf:id")
        }
        try requireInfo(content)
        if content.ovfName == "VirtualSystem" {
            machines.append(try readVirtualSystem(content, id: id))
            return
        }
        var ids = Set<String>()
        for child in content.children where try isCore(child) {
            switch child.ovfName {
            case "VirtualSystem", "VirtualSystemCollection":
                let childID = child.attribute("id") ?? ""
                guard ids.insert(childID).inserted else {
                    throw error(.duplicate, child, "content id \(childID) is used twice in collection \(id)")
                }
                try readContent(child)
            case "Info", "Name", "Description": continue
            default: try checkSection(child, in: .collection)
            }
        }
        for child in content.children where try !isCore(child) { try checkExtension(child) }
        // The startup order names the collection's members; a name that is not one of
        // them means the collection lost a VM.
        for startup in content.children(named: "StartupSection") {
            for item in startup.children(named: "Item") {
                let member = item.attribute("id") ?? ""
                guard ids.contains(member) else {
                    throw error(
                        .danglingReference, item,
                        "StartupSection of \(id) orders \"\(member)\", which is not a member of the collection")
                }
            }
        }
    }
}
