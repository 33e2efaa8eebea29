import FerryBasics

/// The one error type the VMDK module throws.
///
/// Every error names the file it is about (the path as the user would recognise it, or
/// `archive.ova:member` for a disk inside an OVA), and where it can, the header field or
/// descriptor key and the byte offset that is wrong, so that `ferry inspect` can tell a
/// storage admin exactly which byte of which file to look at.
public struct VMDKError: ReportableError, Sendable {
    /// A broad classification; match on it rather than on `message`.
    public var code: Code
    /// The file the problem is in.
    public var file: String
    /// The header field, descriptor key or table the problem is in, if any.
    public var field: String?
    /// The byte offset in `file` (for header/table problems) or on the virtual disk (for reads).
    public var offset: UInt64?
    /// What is wrong, in words, without the file name (``description`` adds it).
    public var message: String
    /// The `errno` of a failed system call, if that is what went wrong.
    public var errno: Int32?

    public init(
        _ code: Code,
        file: String,
        field: String? = nil,
        offset: UInt64? = nil,
        _ message: String,
        errno: Int32? = nil
    ) {
        self.code = code
        self.file = file
        self.field = field
        self.offset = offset
        self.message = message
        self.errno = errno
    }

    /// One line: `FILE: what is wrong (field F at offset 0x…)`.
    public var description: String {
        var line = "\(file): \(message)"
        switch (field, offset) {
        case let (field?, offset?): line += " (field \(field) at offset 0x\(String(offset, radix: 16)))"
        case let (field?, nil): line += " (field \(field))"
        case let (nil, offset?): line += " (at offset 0x\(String(offset, radix: 16)))"
        case (nil, nil): break
        }
        return line
    }
}

extension VMDKError {
    /// The kind of failure. A struct over a private enum, so new codes can be added without
    /// breaking anyone who switches over the existing ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case truncated, badMagic, badHeader, badDescriptor, badTable, unsupported
            case pathEscape, notFound, chainMismatch, chainLoop, chainTooDeep
            case outOfBounds, corruptGrain, sizeMismatch, limitExceeded
            case io, closed, badArchive, manifestMismatch, invalidArgument
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        public var description: String { wrapped.rawValue }

        /// A file ends before a structure it must hold (header, table, grain, footer).
        public static let truncated = Code(.truncated)
        /// The file is not any VMDK form (no KDMV/COWD/seSparse magic, no text descriptor).
        public static let badMagic = Code(.badMagic)
        /// A binary header field holds an impossible value (grain size, version, table size, …).
        public static let badHeader = Code(.badHeader)
        /// The text descriptor is malformed.
        public static let badDescriptor = Code(.badDescriptor)
        /// A grain directory or grain table is inconsistent (shared, overlapping, invalid entries).
        public static let badTable = Code(.badTable)
        /// A valid VMware construct Ferry deliberately does not read (RDM, raw devices, …).
        public static let unsupported = Code(.unsupported)
        /// An extent or parent path is absolute or leaves the allowed folders.
        public static let pathEscape = Code(.pathEscape)
        /// A referenced extent, parent or archive member does not exist.
        public static let notFound = Code(.notFound)
        /// A snapshot's parentCID does not match its parent's CID (or the parent is unusable).
        public static let chainMismatch = Code(.chainMismatch)
        /// A snapshot chain refers back to one of its own layers.
        public static let chainLoop = Code(.chainLoop)
        /// A snapshot chain is deeper than Ferry accepts.
        public static let chainTooDeep = Code(.chainTooDeep)
        /// A pointer (grain, table, descriptor) lies outside the file or inside its metadata.
        public static let outOfBounds = Code(.outOfBounds)
        /// A compressed grain's marker or deflate stream is wrong.
        public static let corruptGrain = Code(.corruptGrain)
        /// An extent's real size disagrees with what the descriptor says.
        public static let sizeMismatch = Code(.sizeMismatch)
        /// A size (capacity, table, descriptor) exceeds Ferry's sanity limits.
        public static let limitExceeded = Code(.limitExceeded)
        /// A system call failed.
        public static let io = Code(.io)
        /// The disk was closed.
        public static let closed = Code(.closed)
        /// An OVA (tar) archive is malformed.
        public static let badArchive = Code(.badArchive)
        /// An OVA member does not match its manifest digest.
        public static let manifestMismatch = Code(.manifestMismatch)
        /// The caller asked for something impossible (a read past the end of the disk).
        public static let invalidArgument = Code(.invalidArgument)
    }
}
