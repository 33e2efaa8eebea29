import Hashing
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// Reads the certificate a server presents, without trusting it, to compare its SHA-256
/// thumbprint with the pinned one before any request (and the password) is sent.
///
/// AsyncHTTPClient has no per-connection verification hook, so a pinned endpoint's
/// connections instead trust exactly the certificate seen here, as their only root, with
/// host names unchecked. That works for a self-signed certificate (ESXi's default, nginx's
/// in the tests); a host certificate signed by a vCenter's VMCA is trusted through that CA
/// (`ca_file`) instead.
enum ServerCertificate {
    /// The leaf certificate `host:port` presents.
    /// - Throws: `VSphereError.connectionFailed` when no TLS handshake gets that far.
    static func fetch(host: String, port: Int, group: any EventLoopGroup) async throws(VSphereError) -> NIOSSLCertificate {
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            let context = try NIOSSLContext(configuration: configuration)
            let seen = OncePromise(group.next().makePromise(of: NIOSSLCertificate.self))
            let sniName = host.isIPAddress ? nil : host
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(15))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = try NIOSSLClientHandler(
                            context: context, serverHostname: sniName,
                            customVerificationCallback: { certificates, verdict in
                                // Only called once per handshake, with the server's chain, leaf first.
                                if let leaf = certificates.first {
                                    seen.succeed(leaf)
                                } else {
                                    seen.fail(VSphereError(.certificateRejected, "\(host):\(port) presented no certificate"))
                                }
                                verdict.succeed(.certificateVerified)
                            })
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: host, port: port).get()
            // A handshake that fails before the callback closes the channel.
            channel.closeFuture.whenComplete { _ in
                seen.fail(VSphereError(.connectionFailed, "TLS handshake with \(host):\(port) failed"))
            }
            let certificate = try await seen.future.get()
            try? await channel.close()
            return certificate
        } catch let error as VSphereError {
            throw error
        } catch {
            throw VSphereError(.connectionFailed, "cannot connect to \(host):\(port): \(error)")
        }
    }

    /// Completes one TLS handshake with `configuration` (the system's or a CA file's trust):
    /// AsyncHTTPClient would retry a failing one for its whole connect timeout and then
    /// report BoringSSL's words, where the admin needs the certificate's thumbprint.
    /// - Throws: `.certificateRejected` with the thumbprint the server presented and how to
    ///   trust it; `.connectionFailed` when the host cannot be reached.
    static func verify(host: String, port: Int, configuration: TLSConfiguration, group: any EventLoopGroup, label: String)
        async throws(VSphereError)
    {
        let outcome: Result<Void, any Error>
        do {
            let context = try NIOSSLContext(configuration: configuration)
            let done = OncePromise(group.next().makePromise(of: Void.self))
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(15))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: host.isIPAddress ? nil : host))
                        try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(done))
                    }
                }
                .connect(host: host, port: port).get()
            channel.closeFuture.whenComplete { _ in done.fail(VSphereError(.connectionFailed, "closed")) }
            do {
                try await done.future.get()
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            try? await channel.close()
        } catch {
            throw VSphereError(.connectionFailed, "cannot connect to \(label): \(VSphereConnection.describe(error))")
        }
        guard case .failure(let error) = outcome else { return }
        let seen = try? thumbprint(try await fetch(host: host, port: port, group: group))
        let thumbprint = seen.map { CertificateTrust.display($0) } ?? "unknown"
        throw VSphereError(
            .certificateRejected,
            "\(label) presented a certificate that is not trusted (\(VSphereConnection.describe(error))); its SHA-256 thumbprint is \(thumbprint): pin it with --vsphere-thumbprint (thumbprint: in the configuration) after checking it on the host, or give the CA with --vsphere-ca-file")
    }

    /// The certificate's SHA-256 thumbprint, 64 upper-case hex digits.
    static func thumbprint(_ certificate: NIOSSLCertificate) throws(VSphereError) -> String {
        let der: [UInt8]
        do { der = try certificate.toDERBytes() } catch {
            throw VSphereError(.certificateRejected, "the server's certificate cannot be encoded: \(error)")
        }
        let digest = der.withUnsafeBytes { StreamingHash.digest(.sha256, of: $0) }
        return digest.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}

/// Completes a promise when the TLS handshake succeeds, fails it when the handshake errs.
private final class HandshakeWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    private let done: OncePromise<Void>

    init(_ done: OncePromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { done.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }
}

/// A promise completed by whichever comes first (the certificate, or the channel closing);
/// NIO does not allow completing a promise twice.
private final class OncePromise<Value: Sendable>: Sendable {
    private let promise: EventLoopPromise<Value>
    private let done = Mutex(false)

    init(_ promise: EventLoopPromise<Value>) { self.promise = promise }

    var future: EventLoopFuture<Value> { promise.futureResult }

    func succeed(_ value: Value) {
        if first() { promise.succeed(value) }
    }

    func fail(_ error: any Error) {
        if first() { promise.fail(error) }
    }

    private func first() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}

extension String {
    /// True for an IPv4 or IPv6 literal: TLS sends no server name for those.
    var isIPAddress: Bool {
        if contains(":") { return true }
        let parts = split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
