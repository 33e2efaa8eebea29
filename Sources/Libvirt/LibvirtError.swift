import CLibvirt
import FerryBasics

/// An error from libvirt, copied from its thread-local error right after the failing call.
///
/// The description is one line: `libvirt define domain vm1 on qemu:///system: XML error: …`.
public struct LibvirtError: ReportableError, Sendable, Hashable {
    /// What kind of failure this is; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: Hashable, Sendable {
            case notFound, alreadyExists, connectionFailed, authenticationFailed, invalidXML
            case operationInvalid, unsupported, timedOut, denied, unknown
        }
        fileprivate let kind: Kind

        /// No such domain or secret.
        public static let notFound = Code(kind: .notFound)
        /// A domain of that name or UUID already exists.
        public static let alreadyExists = Code(kind: .alreadyExists)
        /// libvirtd could not be reached or the connection broke.
        public static let connectionFailed = Code(kind: .connectionFailed)
        public static let authenticationFailed = Code(kind: .authenticationFailed)
        /// The XML was rejected.
        public static let invalidXML = Code(kind: .invalidXML)
        /// Not possible in the current state (e.g. starting a running domain).
        public static let operationInvalid = Code(kind: .operationInvalid)
        /// The hypervisor does not support the request (e.g. a missing firmware or device).
        public static let unsupported = Code(kind: .unsupported)
        public static let timedOut = Code(kind: .timedOut)
        /// Refused on a read-only connection or by access control.
        public static let denied = Code(kind: .denied)
        public static let unknown = Code(kind: .unknown)

        public var description: String { String(describing: kind) }

        /// The one table from libvirt's `virErrorNumber` to codes.
        static func from(libvirtCode value: Int32) -> Code {
            switch UInt32(bitPattern: value) {
            case VIR_ERR_NO_DOMAIN.rawValue, VIR_ERR_NO_SECRET.rawValue: .notFound
            case VIR_ERR_DOM_EXIST.rawValue: .alreadyExists
            case VIR_ERR_NO_CONNECT.rawValue, VIR_ERR_SYSTEM_ERROR.rawValue, VIR_ERR_RPC.rawValue: .connectionFailed
            case VIR_ERR_AUTH_FAILED.rawValue, VIR_ERR_AUTH_CANCELLED.rawValue: .authenticationFailed
            case VIR_ERR_XML_ERROR.rawValue, VIR_ERR_XML_DETAIL.rawValue: .invalidXML
            case VIR_ERR_OPERATION_INVALID.rawValue: .operationInvalid
            case VIR_ERR_NO_SUPPORT.rawValue, VIR_ERR_CONFIG_UNSUPPORTED.rawValue,
                VIR_ERR_ARGUMENT_UNSUPPORTED.rawValue:
                .unsupported
            case VIR_ERR_OPERATION_TIMEOUT.rawValue, VIR_ERR_AGENT_UNRESPONSIVE.rawValue: .timedOut
            case VIR_ERR_OPERATION_DENIED.rawValue: .denied
            default: .unknown
            }
        }
    }

    public var code: Code
    /// libvirt's own `virErrorNumber` (0 when the error did not come from libvirt).
    public var libvirtCode: Int32
    /// What Ferry was doing: "define domain vm1", "set secret value".
    public var operation: String
    /// The connection URI.
    public var uri: String
    /// libvirt's message, e.g. "XML error: missing source protocol".
    public var message: String

    public init(code: Code, libvirtCode: Int32 = 0, operation: String, uri: String, message: String) {
        self.code = code
        self.libvirtCode = libvirtCode
        self.operation = operation
        self.uri = uri
        self.message = message
    }

    public var description: String { "libvirt \(operation) on \(uri): \(message)" }

    /// Copies the calling thread's last libvirt error. Must run on the thread that made the
    /// failing call, before any other libvirt call: the error lives in thread-local storage.
    static func last(operation: String, uri: String) -> LibvirtError {
        guard let error = virGetLastError() else {
            return LibvirtError(code: .unknown, operation: operation, uri: uri, message: "unknown libvirt error")
        }
        let message = error.pointee.message.map { String(cString: $0) } ?? "libvirt error \(error.pointee.code)"
        let number = error.pointee.code
        virResetLastError()
        return LibvirtError(
            code: .from(libvirtCode: number), libvirtCode: number, operation: operation, uri: uri,
            message: message)
    }
}
