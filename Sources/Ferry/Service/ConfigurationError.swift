import FerryBasics

/// A service configuration (`ferry.yaml`) that cannot be used, with the file and the field:
/// `ferry.yaml: workers.slots must be 1…64, not 0`.
public struct ConfigurationError: ReportableError, Sendable {
    /// What kind of failure this is; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: Hashable, Sendable {
            case unreadable, malformed, invalidValue
        }
        fileprivate let kind: Kind

        /// The file cannot be read (missing, no permission, not UTF-8).
        public static let unreadable = Code(kind: .unreadable)
        /// Not YAML, an unknown section or key, a value of the wrong type.
        public static let malformed = Code(kind: .malformed)
        /// A well-formed value out of range or inconsistent (slots, lease, roots, nodes…).
        public static let invalidValue = Code(kind: .invalidValue)

        public var description: String { String(describing: kind) }
    }

    public var code: Code
    /// The configuration file (or "built-in defaults").
    public var source: String
    public var message: String

    public init(_ code: Code, source: String, _ message: String) {
        self.code = code
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}
