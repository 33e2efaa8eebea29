import FerryBasics

/// Why a VM (a .vmx or an OVA's OVF) cannot be migrated as inspected: one line naming the
/// file. Problems inside a disk or a descriptor stay `VMDKError`/`VMwareConfigError`; this
/// is what the inspection concludes from them.
public struct InspectionError: ReportableError, Sendable {
    /// What kind of failure this is; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: Hashable, Sendable {
            case unusableDisk, noVirtualMachine, severalVirtualMachines
        }
        fileprivate let kind: Kind

        /// A disk the VM attaches cannot be imported; the message is the disk's own problem.
        public static let unusableDisk = Code(kind: .unusableDisk)
        /// The OVF has no VirtualSystem.
        public static let noVirtualMachine = Code(kind: .noVirtualMachine)
        /// The OVF holds a VirtualSystemCollection; Ferry migrates one VM per package.
        public static let severalVirtualMachines = Code(kind: .severalVirtualMachines)

        public var description: String { String(describing: kind) }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
