import FerryBasics

#if canImport(Glibc)
import Glibc
#endif

/// An error from librados or librbd, with the operation and the object it touched.
///
/// The description is one line an admin can act on, for example
/// `rbd write to rbd/vm1-disk0 at 0x4000000: No space left on device (ENOSPC)`.
public struct CephError: ReportableError, Sendable, Hashable {
    /// What kind of failure this is; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: Hashable, Sendable {
            case notFound, alreadyExists, permissionDenied, noSpace, timedOut, busy
            case invalidArgument, connectionFailed, io, rangeError, conditionFailed, unknown
        }
        fileprivate let kind: Kind

        /// ENOENT: the pool, image, snapshot, object or metadata key does not exist.
        public static let notFound = Code(kind: .notFound)
        /// EEXIST: something of that name is already there.
        public static let alreadyExists = Code(kind: .alreadyExists)
        /// EPERM/EACCES: cephx refused (wrong key, missing caps).
        public static let permissionDenied = Code(kind: .permissionDenied)
        /// ENOSPC/EDQUOT: the cluster or pool is full.
        public static let noSpace = Code(kind: .noSpace)
        /// ETIMEDOUT: the monitors or OSDs did not answer in time.
        public static let timedOut = Code(kind: .timedOut)
        /// EBUSY: the image is in use (watchers, exclusive lock) or locked.
        public static let busy = Code(kind: .busy)
        /// EINVAL and friends: a bad argument or configuration value.
        public static let invalidArgument = Code(kind: .invalidArgument)
        /// Connecting to the cluster failed for a reason other than the ones above.
        public static let connectionFailed = Code(kind: .connectionFailed)
        /// EIO: data could not be read or written.
        public static let io = Code(kind: .io)
        /// ERANGE: a buffer was too small (handled internally; rarely seen by callers).
        public static let rangeError = Code(kind: .rangeError)
        /// ECANCELED: a guarded RADOS write found its condition false (e.g. an attribute changed
        /// owner), so nothing was written.
        public static let conditionFailed = Code(kind: .conditionFailed)
        /// Any errno without a code of its own; `errno` keeps the detail.
        public static let unknown = Code(kind: .unknown)

        public var description: String { String(describing: kind) }

        /// The one errno→code table for librados and librbd results.
        static func from(errno value: Int32) -> Code {
            switch value {
            case ENOENT: .notFound
            case EEXIST: .alreadyExists
            case EPERM, EACCES: .permissionDenied
            case ENOSPC, EDQUOT: .noSpace
            case ETIMEDOUT: .timedOut
            case EBUSY: .busy
            case EINVAL, EDOM, ENAMETOOLONG, EOPNOTSUPP: .invalidArgument
            case ENOTCONN, ECONNREFUSED, ESHUTDOWN: .connectionFailed
            case EIO: .io
            case ERANGE: .rangeError
            case ECANCELED: .conditionFailed
            default: .unknown
            }
        }
    }

    public var code: Code
    /// The positive errno librados/librbd returned (0 when the error did not come from C).
    public var errno: Int32
    /// The operation in the words of the rbd CLI: "rbd open", "rbd write", "rados connect".
    public var operation: String
    public var pool: String?
    public var image: String?
    public var offset: UInt64?
    /// Extra words, e.g. a config path; never a secret.
    public var detail: String?

    public init(
        code: Code, errno: Int32, operation: String, pool: String? = nil, image: String? = nil,
        offset: UInt64? = nil, detail: String? = nil
    ) {
        self.code = code
        self.errno = errno
        self.operation = operation
        self.pool = pool
        self.image = image
        self.offset = offset
        self.detail = detail
    }

    /// Builds an error from a negative librados/librbd return value.
    public init(
        returnValue: Int, operation: String, pool: String? = nil, image: String? = nil, offset: UInt64? = nil,
        detail: String? = nil
    ) {
        let value = Int32(clamping: -returnValue)
        self.init(
            code: .from(errno: value), errno: value, operation: operation, pool: pool, image: image,
            offset: offset, detail: detail)
    }

    public var description: String {
        var text = operation
        switch (pool, image) {
        case let (pool?, image?): text += " \(pool)/\(image)"
        case let (pool?, nil): text += " pool \(pool)"
        default: break
        }
        if let offset { text += " at 0x\(String(offset, radix: 16))" }
        if let detail { text += " (\(detail))" }
        if errno != 0 { text += ": \(errnoDescription(errno))" }
        return text
    }
}

/// Passes a librados/librbd result through, or throws a `CephError` for a negative one.
@discardableResult
@inline(__always)
func check(
    _ result: Int32, _ operation: @autoclosure () -> String, pool: String? = nil, image: String? = nil,
    offset: UInt64? = nil
) throws(CephError) -> Int32 {
    if result < 0 {
        throw CephError(returnValue: Int(result), operation: operation(), pool: pool, image: image, offset: offset)
    }
    return result
}
