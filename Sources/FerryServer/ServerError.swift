import FerryBasics

/// Why `ferry serve` or `ferry token` cannot go on, as one line for the admin.
public struct ServerError: ReportableError, Sendable {
    /// What went wrong; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidListenAddress, insecureListen, listenFailed, tokenFile, invalidToken
        }

        private let value: Value

        /// `server.listen` is not `HOST:PORT`.
        public static let invalidListenAddress = Code(value: .invalidListenAddress)
        /// A non-loopback address without `allow_insecure_listen`.
        public static let insecureListen = Code(value: .insecureListen)
        /// The socket could not be bound (address in use, no such address).
        public static let listenFailed = Code(value: .listenFailed)
        /// The token file is missing, unreadable or malformed.
        public static let tokenFile = Code(value: .tokenFile)
        /// A token request (`ferry token create`) with a bad role, name or expiry.
        public static let invalidToken = Code(value: .invalidToken)

        public var description: String { "\(value)" }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
