/// An OVF descriptor: the package's file list, its disks, and the virtual machines it
/// describes (one, or several in a vApp's VirtualSystemCollection).
public struct OVFDescriptor: Sendable, Codable, Hashable {
    /// The OVF dialect, from the Envelope's namespace.
    public enum Version: String, Sendable, Codable, Hashable {
        /// VMware's pre-standard OVF (ESX 3.5 / VirtualCenter 2.5, `ovf:version="0.9"`).
        case v0_9 = "0.9"
        /// DMTF OVF 1.0/1.1 (`http://schemas.dmtf.org/ovf/envelope/1`), what ovftool writes.
        case v1 = "1.x"
        /// DMTF OVF 2.0 (`…/envelope/2`).
        case v2 = "2.0"
    }

    /// One `References/File`: a member of the OVA (or a file beside the .ovf).
    public struct File: Sendable, Codable, Hashable {
        public var id: String
        /// The member name or relative path, as written.
        public var href: String
        /// Size in bytes, if stated.
        public var size: UInt64?
        /// When set, the file is stored in chunks `href.000000000`, `href.000000001`, … of
        /// this many bytes each.
        public var chunkSize: UInt64?
        /// `gzip` when the file is stored compressed; nil for plain (or `identity`).
        public var compression: String?

        public init(id: String, href: String, size: UInt64? = nil, chunkSize: UInt64? = nil, compression: String? = nil)
        {
            self.id = id
            self.href = href
            self.size = size
            self.chunkSize = chunkSize
            self.compression = compression
        }
    }

    /// One `DiskSection/Disk`.
    public struct Disk: Sendable, Codable, Hashable {
        public var id: String
        /// The File it is stored in; nil for a blank disk the deployer creates.
        public var fileRef: String?
        /// Virtual size in bytes; nil when the OVF leaves it to a deployment property (`${…}`).
        public var capacityBytes: UInt64?
        /// Bytes actually in use, if stated.
        public var populatedSizeBytes: UInt64?
        /// The format URI (`…vmdk.html#streamOptimized`).
        public var format: String?
        /// The base disk of a delta disk (`ovf:parentRef`).
        public var parentRef: String?

        public init(
            id: String, fileRef: String? = nil, capacityBytes: UInt64? = nil, populatedSizeBytes: UInt64? = nil,
            format: String? = nil, parentRef: String? = nil
        ) {
            self.id = id
            self.fileRef = fileRef
            self.capacityBytes = capacityBytes
            self.populatedSizeBytes = populatedSizeBytes
            self.format = format
            self.parentRef = parentRef
        }
    }

    public var version: Version
    public var files: [File]
    public var disks: [Disk]
    /// `NetworkSection/Network` names.
    public var networks: [String]
    /// Every VirtualSystem, depth first through collections.
    public var virtualMachines: [VirtualMachine]
    /// Envelope-level observations (unknown optional sections, remote files, …).
    public var warnings: [String]

    public init(
        version: Version, files: [File] = [], disks: [Disk] = [], networks: [String] = [],
        virtualMachines: [VirtualMachine] = [], warnings: [String] = []
    ) {
        self.version = version
        self.files = files
        self.disks = disks
        self.networks = networks
        self.virtualMachines = virtualMachines
        self.warnings = warnings
    }

    /// The File with this id.
    public func file(id: String) -> File? { files.first { $0.id == id } }
}
