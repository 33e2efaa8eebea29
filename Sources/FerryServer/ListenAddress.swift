import Ferry

#if canImport(Glibc)
    import Glibc
#endif

/// `server.listen` parsed: `HOST:PORT`, `[IPV6]:PORT`; port 0 asks the kernel for a free one.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// - Throws: `ServerError.invalidListenAddress`.
    public init(_ text: String) throws(ServerError) {
        func invalid() -> ServerError {
            ServerError(.invalidListenAddress, "server.listen \"\(text)\" is not HOST:PORT (e.g. 127.0.0.1:8080)")
        }
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw invalid()
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw invalid() }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let number = Int(port), (0...65535).contains(number) else { throw invalid() }
        self.host = String(host)
        self.port = number
    }

    /// 127.0.0.0/8, ::1 or `localhost`: reachable from this host only. A name is never
    /// trusted to be loopback beyond `localhost`, since DNS can point it anywhere.
    public var isLoopback: Bool {
        if host == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        return false
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The address to listen on, refusing one beyond loopback unless the configuration
    /// says `allow_insecure_listen: true`: the API speaks plain HTTP with bearer tokens.
    /// - Throws: `ServerError` (`.invalidListenAddress`, `.insecureListen`), naming the file.
    public static func checked(_ configuration: ServiceConfiguration) throws(ServerError) -> ListenAddress {
        let address: ListenAddress
        do {
            address = try ListenAddress(configuration.server.listen)
        } catch {
            throw ServerError(error.code, "\(configuration.source): \(error.message)")
        }
        guard address.isLoopback || configuration.server.allowInsecureListen else {
            throw ServerError(
                .insecureListen,
                "\(configuration.source): server.listen \(address) is not a loopback address and the API speaks plain HTTP; "
                    + "listen on 127.0.0.1 behind a TLS-terminating proxy, or set server.allow_insecure_listen: true")
        }
        return address
    }
}
