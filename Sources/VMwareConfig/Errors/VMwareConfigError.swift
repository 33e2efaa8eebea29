import FerryBasics

/// The one error type the VMwareConfig module throws.
///
/// Every error names the descriptor it is about and, where it can, the VMX key or OVF
/// element and the line, so that `ferry inspect` can point a storage admin at the exact
/// line of the file to fix: `vm.vmx: line 12: memSize "abc" is not a number`.
public struct VMwareConfigError: ReportableError, Sendable {
    /// A broad classification; match on it rather than on `message`.
    public var code: Code
    /// The descriptor the problem is in (a .vmx or .ovf path, or `archive.ova:member.ovf`).
    public var file: String
    /// The VMX key (as written in the file) or the OVF element/attribute involved, if any.
    public var key: String?
    /// The 1-based line in `file`, if known.
    public var line: Int?
    /// What is wrong, in words, without the file name or line (``description`` adds them).
    public var message: String

    public init(_ code: Code, file: String, key: String? = nil, line: Int? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.key = key
        self.line = line
        self.message = message
    }

    /// One line: `FILE: line N: what is wrong`.
    public var description: String {
        if let line { return "\(file): line \(line): \(message)" }
        return "\(file): \(message)"
    }
}

extension VMwareConfigError {
    /// The kind of failure. A struct over a private enum, so new codes can be added without
    /// breaking anyone who switches over the existing ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case syntax, missingField, invalidValue, unsupported, externalEntity, tooLarge
            case unmappedDatastore, missingFile, duplicate, danglingReference, io
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        public var description: String { wrapped.rawValue }

        /// The text is not well-formed VMX (`key = "value"` lines) or XML.
        public static let syntax = Code(.syntax)
        /// A key, element or attribute the descriptor must have is absent.
        public static let missingField = Code(.missingField)
        /// A value is present but impossible (not a number, out of range, malformed UUID or MAC…).
        public static let invalidValue = Code(.invalidValue)
        /// A valid VMware construct Ferry deliberately does not handle (an old config
        /// version, an unknown firmware, a required OVF section it does not understand…).
        public static let unsupported = Code(.unsupported)
        /// An OVF carries a DTD or entity declaration; refused before parsing (XXE).
        public static let externalEntity = Code(.externalEntity)
        /// The descriptor, or a size computed from it, exceeds Ferry's limits or overflows.
        public static let tooLarge = Code(.tooLarge)
        /// A disk lives on a `/vmfs/volumes/…` datastore (or host path) with no local mapping.
        public static let unmappedDatastore = Code(.unmappedDatastore)
        /// A disk's backing file was checked and does not exist.
        public static let missingFile = Code(.missingFile)
        /// An identifier that must be unique (OVF file id, disk id, InstanceID…) appears twice.
        public static let duplicate = Code(.duplicate)
        /// A reference (fileRef, HostResource, Parent…) names something that does not exist.
        public static let danglingReference = Code(.danglingReference)
        /// Reading the descriptor failed.
        public static let io = Code(.io)
    }
}
