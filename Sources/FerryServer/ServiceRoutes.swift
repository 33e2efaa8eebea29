import Ferry
import Foundation
import Hashing
import Hummingbird

/// What is not a queue operation: health, metrics, live events, the dashboard page and
/// the API description.
struct ServiceRoutes: Sendable {
    /// A queue read slower than this answers health 503 (librados can block for minutes
    /// when monitors or OSDs are down; the read goes on in the background).
    static let queueTimeout = Duration.seconds(5)

    let queue: QueueAccess
    let queueName: String
    let metrics: ServerMetrics
    let events: EventStream

    var routes: [Route] {
        [
            Route(method: .get, path: "/healthz", access: .open) { _, _, _ in
                do {
                    let jobs = try await readSummaries()
                    return JSONResponse.make(Health(status: "ok", queue: queueName, jobs: jobs.count, error: nil))
                } catch {
                    return JSONResponse.make(
                        status: .serviceUnavailable,
                        Health(status: "unavailable", queue: queueName, jobs: nil, error: "\(error)"))
                }
            },
            Route(method: .get, path: "/metrics", access: .token(.read)) { _, _, _ in
                let text = metrics.scrape(summaries: try? await readSummaries())
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
            },
            Route(method: .get, path: "/api/v1/events", access: .token(.read)) { request, _, _ in
                events.response(to: request)
            },
            Route(method: .get, path: "/", access: .open) { _, _, _ in
                Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
                        .contentSecurityPolicy: Dashboard.contentSecurityPolicy,
                        .init("Referrer-Policy")!: "no-referrer",
                    ],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: Dashboard.page)))
            },
            Route(method: .get, path: "/openapi.yaml", access: .open) { _, _, _ in
                Response(
                    status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
            },
        ]
    }

    private func readSummaries() async throws -> [JobSummary] {
        try await queue.run(timeout: Self.queueTimeout) { try $0.summaries() }
    }
}

/// `GET /healthz` answer.
struct Health: Encodable {
    var status: String
    /// `pool/namespace` of the queue.
    var queue: String
    var jobs: Int?
    var error: String?
}

/// The dashboard: one page, styles and script inline, served from the binary.
enum Dashboard {
    static let page = PackageResources.dashboard_html

    /// Only the page's own script (by its SHA-256) runs, and it may talk only to this server.
    static let contentSecurityPolicy: String = {
        let html = String(decoding: page, as: UTF8.self)
        var hashes: [String] = []
        var rest = html[...]
        while let open = rest.range(of: "<script>"),
            let close = rest.range(of: "</script>", range: open.upperBound..<rest.endIndex)
        {
            let script = Array(rest[open.upperBound..<close.lowerBound].utf8)
            let digest = script.withUnsafeBytes { StreamingHash.digest(.sha256, of: $0) }
            hashes.append("'sha256-\(Data(digest).base64EncodedString())'")
            rest = rest[close.upperBound...]
        }
        return "default-src 'none'; script-src \(hashes.joined(separator: " ")); style-src 'unsafe-inline'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }()
}
