import FerryBasics

/// Why an import into an RBD image was refused or stopped, as one line naming the image.
///
/// `message` is the whole line: it already says what the cause means for the admin (a full
/// pool is "the pool's quota is reached (EDQUOT)…", not librados' words), so ``description``
/// does not repeat `cause`. The cause stays attached for `FailureKind`, which looks through
/// it to tell a passing outage from bad input.
public struct ImportError: ReportableError, Sendable {
    /// What kind of failure this is; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: Hashable, Sendable {
            case targetExists, notResumable, sourceChanged, objectTooLarge, verifyMismatch, shortRead, poolFull
        }
        fileprivate let kind: Kind

        /// The image exists and this import may not write into it (a completed import, an
        /// image Ferry did not create, or an unfinished one without `--resume`).
        public static let targetExists = Code(kind: .targetExists)
        /// `--resume` was asked for a source that cannot be proved to be the same (a pipe).
        public static let notResumable = Code(kind: .notResumable)
        /// The unfinished image was started from a different source, or one of another size.
        public static let sourceChanged = Code(kind: .sourceChanged)
        /// The image's objects (or a stream's grains) do not fit the import window's buffers.
        public static let objectTooLarge = Code(kind: .objectTooLarge)
        /// `--verify` read back different bytes than the source holds.
        public static let verifyMismatch = Code(kind: .verifyMismatch)
        /// librbd returned fewer bytes than asked while reading the image back.
        public static let shortRead = Code(kind: .shortRead)
        /// The cluster refused a write for lack of space (ENOSPC) or quota (EDQUOT); the
        /// `cause` is the `CephError`, and the job runner retries after freeing.
        public static let poolFull = Code(kind: .poolFull)

        public var description: String { String(describing: kind) }
    }

    public var code: Code
    public var message: String
    /// The error this one explains (the `CephError` of a full pool), if any.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }
}
