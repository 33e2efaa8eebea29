import FerryBasics

/// Why talking to ESXi or vCenter failed, as one line naming the endpoint (and the VM,
/// datacenter or datastore file) involved. Never carries the password: messages are built
/// from names and what the server said, and a SOAP fault's text is the server's own.
public struct VSphereError: ReportableError, Sendable {
    /// What kind of failure this is; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: Hashable, Sendable {
            case invalidEndpoint, connectionFailed, certificateRejected, loginFailed, fault, protocolError, notFound
            case fileUnreadable, vmPoweredOn, unsupportedDisk, timedOut
        }
        fileprivate let kind: Kind

        /// The endpoint's settings are unusable (a URL that is no https://…/sdk, a password
        /// file that cannot be read, a thumbprint that is not SHA-256).
        public static let invalidEndpoint = Code(kind: .invalidEndpoint)
        /// No TCP or TLS connection could be made, or it broke and retrying did not help.
        public static let connectionFailed = Code(kind: .connectionFailed)
        /// The server's certificate does not match the pinned thumbprint or the trusted CAs.
        public static let certificateRejected = Code(kind: .certificateRejected)
        /// `Login` was refused (`InvalidLogin`): never retried, so a wrong password cannot
        /// lock the account out.
        public static let loginFailed = Code(kind: .loginFailed)
        /// The server answered a call with a SOAP fault other than the ones above.
        public static let fault = Code(kind: .fault)
        /// The answer was not what the vSphere API answers (not XML, no body, a missing field).
        public static let protocolError = Code(kind: .protocolError)
        /// No datacenter, VM or datastore of that name.
        public static let notFound = Code(kind: .notFound)
        /// A datastore file could not be read over `/folder` (HTTP status, short body).
        public static let fileUnreadable = Code(kind: .fileUnreadable)
        /// The VM is running; a cold migration needs it off (or `--shutdown`).
        public static let vmPoweredOn = Code(kind: .vmPoweredOn)
        /// A disk Ferry cannot copy through the datastore (RDM, vSAN, independent).
        public static let unsupportedDisk = Code(kind: .unsupportedDisk)
        /// A task (a guest shutdown, a power-off) did not finish in time.
        public static let timedOut = Code(kind: .timedOut)

        public var description: String { String(describing: kind) }
    }

    public var code: Code
    public var message: String
    /// The SOAP fault's type (`InvalidLogin`, `NotAuthenticated`, …), when there was one.
    public var faultType: String?

    public init(_ code: Code, _ message: String, faultType: String? = nil) {
        self.code = code
        self.message = message
        self.faultType = faultType
    }

    public var description: String { message }
}
