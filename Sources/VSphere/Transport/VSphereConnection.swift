import Foundation
import AsyncHTTPClient
import FerryBasics
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTPS connections to one ESXi host or vCenter: SOAP calls to `/sdk` and datastore
/// reads from `/folder`, through one AsyncHTTPClient pool that keeps connections alive and
/// opens at most ``VSphereEndpoint/connectionsPerHost`` of them.
public final class VSphereConnection: Sendable {
    public let endpoint: VSphereEndpoint
    let client: HTTPClient
    /// The `vmware_soap_session` cookie of the logged-in session, sent with every request
    /// (ESXi asks it of `/folder` too). Shared with the reader threads, hence the lock.
    let cookie = Mutex<String?>(nil)
    /// What the admin should hear about how this connection trusts the server (insecure).
    public let warnings: [String]

    private init(endpoint: VSphereEndpoint, client: HTTPClient, warnings: [String]) {
        self.endpoint = endpoint
        self.client = client
        self.warnings = warnings
    }

    /// Opens the pool, checking a pinned thumbprint first: nothing, the password least, is
    /// sent to a server whose certificate does not match.
    /// - Throws: `VSphereError.certificateRejected` showing the thumbprint the server presented,
    ///   `.connectionFailed` when it cannot be reached, `.invalidEndpoint` for an unreadable CA file.
    public static func open(_ endpoint: VSphereEndpoint) async throws(VSphereError) -> VSphereConnection {
        let group = MultiThreadedEventLoopGroup.singleton
        var tls = TLSConfiguration.makeClientConfiguration()
        var warnings: [String] = []
        switch endpoint.trust {
        case .system:
            try await ServerCertificate.verify(
                host: endpoint.host, port: endpoint.port, configuration: tls, group: group, label: endpoint.label)
        case .caFile(let path):
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
            } catch {
                throw VSphereError(.invalidEndpoint, "CA file \(path) for \(endpoint.label) cannot be read as PEM certificates: \(error)")
            }
            try await ServerCertificate.verify(
                host: endpoint.host, port: endpoint.port, configuration: tls, group: group, label: endpoint.label)
        case .thumbprint(let pinned):
            let certificate = try await ServerCertificate.fetch(host: endpoint.host, port: endpoint.port, group: group)
            let seen = try ServerCertificate.thumbprint(certificate)
            guard seen == pinned else {
                throw VSphereError(
                    .certificateRejected,
                    "\(endpoint.label) presented a certificate with SHA-256 thumbprint \(CertificateTrust.display(seen)), not the pinned \(CertificateTrust.display(pinned)); refusing to connect")
            }
            tls.trustRoots = .certificates([certificate])
            tls.certificateVerification = .noHostnameVerification
        case .insecure:
            tls.certificateVerification = .none
            warnings.append("\(endpoint.label): TLS certificate not verified (insecure: true); anyone between here and the host can read the password and the disks")
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(15), read: .seconds(120)),
            connectionPool: .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: endpoint.connectionsPerHost))
        configuration.httpVersion = .http1Only
        let client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        return VSphereConnection(endpoint: endpoint, client: client, warnings: warnings)
    }

    /// Closes every connection.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Closes every connection, from a thread that may block (not the cooperative pool).
    public func shutdownBlocking() {
        try? client.syncShutdown()
    }

    /// POSTs one SOAP envelope to `/sdk` and returns the status and the body.
    /// - Throws: `.connectionFailed` when no answer came.
    func postSOAP(_ envelope: String, action: String) async throws(VSphereError) -> (status: UInt, body: [UInt8]) {
        var request = HTTPClientRequest(url: endpoint.sdkURL.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/xml; charset=utf-8")
        request.headers.add(name: "SOAPAction", value: action)
        if let cookie = cookie.withLock({ $0 }) { request.headers.add(name: "Cookie", value: cookie) }
        request.body = .bytes(Array(envelope.utf8))
        do {
            let response = try await client.execute(request, timeout: .seconds(300))
            if let setCookie = response.headers["Set-Cookie"].first(where: { $0.hasPrefix("vmware_soap_session=") }) {
                let value = setCookie.split(separator: ";", maxSplits: 1).first.map(String.init) ?? setCookie
                cookie.withLock { $0 = value }
            }
            // Property answers for a large vCenter run to tens of MiB; more is not an answer.
            let body = try await response.body.collect(upTo: 256 << 20)
            return (response.status.code, Array(body.readableBytesView))
        } catch {
            throw VSphereError(.connectionFailed, "\(endpoint.label): no answer from \(endpoint.sdkURL.absoluteString): \(Self.describe(error))")
        }
    }

    /// An HTTP client error in words (AsyncHTTPClient's descriptions are type dumps).
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .remoteConnectionClosed: return "the connection was closed"
            case .readTimeout: return "no data within the read timeout"
            case .connectTimeout: return "connecting timed out"
            case .deadlineExceeded: return "the request took too long"
            case .tlsHandshakeTimeout: return "the TLS handshake timed out"
            default: return "\(error)"
            }
        }
        if let error = error as? IOError { return errnoDescription(error.errnoCode) }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            return "no address of \(error.host) could be connected to"
        }
        if case .handshakeFailed(let inner)? = error as? NIOSSLError { return "TLS handshake failed: \(describe(inner))" }
        if let error = error as? NIOSSLError { return "TLS: \(error)" }
        if case .sslError(let errors)? = error as? BoringSSLError {
            // "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …/handshake.cc:320"
            return errors.map { error in
                let parts = "\(error)".split(separator: ":")
                let reason = parts.firstIndex(of: "OPENSSL_internal").flatMap { parts.indices.contains($0 + 1) ? parts[$0 + 1] : nil } ?? parts.last ?? ""
                return reason.split(separator: " ").first.map(String.init) ?? String(reason)
            }.joined(separator: ", ")
        }
        return "\(error)"
    }
}
