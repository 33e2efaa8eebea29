import Ferry
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TestSupport

@testable import FerryServer

/// The router `ferry serve` builds, driven in process (HummingbirdTesting's `.router` mode:
/// no socket) with a queue in memory and a token file holding an admin, a reader and an
/// expired token.
struct APIHarness {
    let queue = InMemoryJobQueue()
    let directory: URL
    let tokens: APIClient.Tokens
    let router: Router<APIContext>
    /// The operations the router was given (method and path template), before `RouteTable`
    /// added OPTIONS and the 405 answers.
    let operations: [(method: HTTPRequest.Method, path: String)]

    /// - Parameter maxBodyKiB: `server.max_body_kib` of the configuration.
    init(maxBodyKiB: Int = 1024) throws {
        directory = try TestEnvironment.scratchDirectory()
        let file = directory.appendingPathComponent("tokens").path
        let twoDaysAgo = Date().addingTimeInterval(-2 * 86400)
        tokens = APIClient.Tokens(
            admin: try TokenIssuer.create(role: .admin, name: "test-admin", file: file, expiresInDays: nil).token,
            read: try TokenIssuer.create(role: .read, name: "test-reader", file: file, expiresInDays: nil).token,
            expired: try TokenIssuer.create(
                role: .admin, name: "test-expired", file: file, expiresInDays: 1, now: twoDaysAgo
            ).token)
        let configuration = try ServiceConfiguration(
            yaml: "queue: {pool: rbd, namespace: api-test}\nserver: {max_body_kib: \(maxBodyKiB)}\n",
            source: "test.yaml")
        var logger = Logger(label: "ferry.test")
        logger.logLevel = .critical
        let access = QueueAccess(store: queue)
        let metrics = ServerMetrics()
        let watcher = JobWatcher(queue: access, logger: logger, onJobError: {})
        router = APIRouter.make(
            configuration: configuration, queue: access,
            authenticator: try TokenAuthenticator(path: file, logger: logger), metrics: metrics,
            watcher: watcher, logger: logger)
        operations = APIRouter.routes(
            configuration: configuration, queue: access, metrics: metrics, watcher: watcher, logger: logger
        ).map { ($0.method, $0.path) }
    }

    /// Runs `body` with a client of the router; removes the scratch folder afterwards.
    func run(_ body: @Sendable (APIClient) async throws -> Void) async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokens = tokens
        try await Application(router: router).test(.router) { client in
            try await body(APIClient(client: client, tokens: tokens))
        }
    }
}

/// Requests as the API's users send them, answers decoded once.
struct APIClient: Sendable {
    struct Tokens: Sendable {
        var admin: String
        var read: String
        var expired: String
    }

    /// Whose token goes in `Authorization`.
    enum Caller: Sendable {
        case none, admin, read, expired
        case header(String)
    }

    let client: any TestClientProtocol
    let tokens: Tokens

    func request(
        _ method: HTTPRequest.Method, _ path: String, as caller: Caller = .admin, body: [UInt8]? = nil,
        contentType: String? = "application/yaml"
    ) async throws -> Answer {
        var headers: HTTPFields = [:]
        switch caller {
        case .none: break
        case .admin: headers[.authorization] = "Bearer \(tokens.admin)"
        case .read: headers[.authorization] = "Bearer \(tokens.read)"
        case .expired: headers[.authorization] = "Bearer \(tokens.expired)"
        case .header(let value): headers[.authorization] = value
        }
        if body != nil, let contentType { headers[.contentType] = contentType }
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
        return Answer(status: response.status.code, headers: response.headers, body: Array(buffer: response.body))
    }

    func request(_ method: HTTPRequest.Method, _ path: String, as caller: Caller = .admin, plan: String)
        async throws -> Answer
    {
        try await request(method, path, as: caller, body: Array(plan.utf8))
    }
}

/// An HTTP answer: status, headers, body as text and (when it is an object) as JSON.
struct Answer: CustomStringConvertible {
    var status: Int
    var headers: HTTPFields
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// The one line of an error answer, nil unless the body is exactly `{"error": "…"}`.
    var error: String? {
        let object = json
        guard object.count == 1, let line = object["error"] as? String else { return nil }
        return line
    }

    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }

    var description: String { "\(status) \(text)" }
}
