import FerryBasics

/// An error from the migration layer: building a domain, provisioning a secret, choosing a
/// node or registering a domain. The description is one line naming what was involved, e.g.
/// `unmapped networks: "VM Network", "DMZ" (map them with --network NAME=TARGET)`.
public struct MigrationError: ReportableError, Sendable {
    /// What kind of failure this is; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: Hashable, Sendable {
            case invalidPlan, unmappedNetworks, unsupportedHardware, secretConflict, invalidInventory
            case unknownNode, noNodeFits, domainExists, domainRunning, libvirt, uuidConflict, registrationFailed
        }
        fileprivate let kind: Kind

        /// The plan does not fit the VM (disk count, image names, monitors, secret UUID).
        public static let invalidPlan = Code(kind: .invalidPlan)
        /// NICs are attached to VMware networks the plan does not map and there is no default.
        public static let unmappedNetworks = Code(kind: .unmappedNetworks)
        /// A device cannot be placed at all on the KVM side (e.g. more disks than slots).
        public static let unsupportedHardware = Code(kind: .unsupportedHardware)
        /// The node holds a ceph secret for the same usage under a different UUID.
        public static let secretConflict = Code(kind: .secretConflict)
        /// The node inventory file is unreadable or malformed.
        public static let invalidInventory = Code(kind: .invalidInventory)
        /// `--node` names a node the inventory does not list.
        public static let unknownNode = Code(kind: .unknownNode)
        /// Automatic placement found no reachable node with enough free memory.
        public static let noNodeFits = Code(kind: .noNodeFits)
        /// A domain of that name exists and replacing it was not asked for.
        public static let domainExists = Code(kind: .domainExists)
        /// A domain of that name is running; Ferry never replaces a running domain.
        public static let domainRunning = Code(kind: .domainRunning)
        /// libvirt refused a step; ``MigrationError/cause`` holds the `LibvirtError`.
        public static let libvirt = Code(kind: .libvirt)
        /// The node has another domain with the VM's UUID (a VM copied on VMware keeps its uuid.bios).
        public static let uuidConflict = Code(kind: .uuidConflict)
        /// The disks were imported but the domain could not be registered; ``MigrationError/cause``
        /// says why, and a re-run with `--resume` reuses the images.
        public static let registrationFailed = Code(kind: .registrationFailed)

        public var description: String { String(describing: kind) }
    }

    public var code: Code
    public var message: String
    /// The underlying error (a `LibvirtError`, `CephError`, decoding error), if any.
    public var cause: (any Error)?
    /// What the admin does next, printed after the cause ("fix that and re-run with --resume").
    public var remedy: String?

    public init(code: Code, message: String, cause: (any Error)? = nil, remedy: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
        self.remedy = remedy
    }

    public var description: String {
        var line = message
        if let cause { line += ": \(cause)" }
        if let remedy { line += "; \(remedy)" }
        return line
    }
}
