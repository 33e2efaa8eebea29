import Foundation
import Hashing
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// A real `ferry serve` on the local cluster: its own scratch folder, queue namespace and
/// token file (made with `ferry token create`), listening on a port the kernel picks.
final class ServerProcess: @unchecked Sendable {
    let directory: URL
    let namespace: String
    let configPath: String
    /// `http://127.0.0.1:PORT` (a new port after `restart()`).
    private(set) var url: String
    let adminToken: String
    let readToken: String
    /// A token whose line in the token file expired in 2020.
    let expiredToken: String
    private var child: Spawn.Child
    private let workers: Bool
    private var stopped = false

    /// Starts the server and waits until it listens.
    /// - Parameters:
    ///   - workers: run the import worker in the process (else `--no-workers`).
    ///   - extraConfig: YAML appended to the configuration (sections `workers:`, `limits:`…).
    ///   - maxBodyKiB: `server.max_body_kib`, when not the default.
    init(workers: Bool, extraConfig: String = "", maxBodyKiB: Int? = nil) async throws {
        directory = try TestEnvironment.scratchDirectory()
        namespace = TestEnvironment.uniqueName("server")
        configPath = directory.appendingPathComponent("ferry.yaml").path
        let tokens = directory.appendingPathComponent("tokens").path
        adminToken = try Self.createToken(role: "admin", name: "test-admin", file: tokens)
        readToken = try Self.createToken(role: "read", name: "test-reader", file: tokens)
        expiredToken = "expired-\(UUID().uuidString)"
        let digest = Array(expiredToken.utf8).withUnsafeBytes { StreamingHash.digest(.sha256, of: $0) }.hexString
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tokens))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("admin test-expired \(digest) 2020-01-01T00:00:00Z\n".utf8))
        try handle.close()
        try """
        cluster: {conf: \(try TestEnvironment.cephConfigFile())}
        queue: {pool: \(TestEnvironment.pool), namespace: \(namespace)}
        nodes: [{name: local, uri: "\(TestEnvironment.libvirtURI)"}]
        server:
          listen: 127.0.0.1:0
          token_file: \(tokens)
        \(maxBodyKiB.map { "  max_body_kib: \($0)" } ?? "")
        \(extraConfig)
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        self.workers = workers
        child = try Spawn.start(
            [TestEnvironment.ferryBinary, "serve", "--config", configPath] + (workers ? [] : ["--no-workers"]))
        url = try await Self.waitForListening(child)
    }

    /// SIGKILL, like a crash or a power cut of the serving host: nothing is drained.
    func crash() {
        guard !stopped else { return }
        stopped = true
        kill(child.pid, SIGKILL)
        _ = Spawn.wait(child)
    }

    /// Starts `ferry serve` again on the same configuration, queue and tokens.
    func restart() async throws {
        child = try Spawn.start(
            [TestEnvironment.ferryBinary, "serve", "--config", configPath] + (workers ? [] : ["--no-workers"]))
        stopped = false
        url = try await Self.waitForListening(child)
    }

    static func createToken(role: String, name: String, file: String) throws -> String {
        let run = try FerryRun.run(["token", "create", "--role", role, "--name", name, "--file", file])
        guard run.status == 0 else { throw Command.Failed(description: "ferry token create: \(run.standardError)") }
        return run.standardOutput.trimmingCharacters(in: .newlines)
    }

    /// The URL from the "listening on http://…" line the server prints once bound.
    private static func waitForListening(_ child: Spawn.Child) async throws -> String {
        for _ in 0..<600 {
            let output = (try? String(contentsOfFile: child.outputFile, encoding: .utf8)) ?? ""
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("listening on http://") }) {
                return String(line.dropFirst("listening on ".count))
            }
            guard Spawn.isRunning(child) else {
                let result = Spawn.wait(child)
                throw Command.Failed(
                    description:
                        "ferry serve exited \(result.status): \(String(decoding: result.errors, as: UTF8.self))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Command.Failed(description: "ferry serve did not listen within 60 s")
    }

    /// SIGTERM, as a service manager stops it; returns the exit status and stderr.
    @discardableResult
    func stop() -> (status: Int32, errors: String) {
        guard !stopped else { return (0, "") }
        stopped = true
        kill(child.pid, SIGTERM)
        let result = Spawn.wait(child)
        return (result.status, String(decoding: result.errors, as: UTF8.self))
    }

    /// Stops the server, removes the queue's objects and the scratch folder.
    func cleanUp() {
        stop()
        let rados = ["rados", "-p", TestEnvironment.pool, "-N", namespace]
        if let list = try? Command.run(rados + ["ls"]) {
            for object in String(decoding: list, as: UTF8.self).split(separator: "\n") {
                _ = try? Command.run(rados + ["rm", String(object)])
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Requests

    struct Answer: CustomStringConvertible {
        var status: Int
        var headers: [String: String]
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as a JSON object (empty when it is not one).
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var error: String? { json["error"] as? String }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
        var description: String { "\(status) \(text.prefix(500))" }
    }

    enum Credential {
        case none, admin, read, expired, raw(String)
    }

    func request(
        _ method: String, _ path: String, as credential: Credential = .admin, body: Data? = nil,
        contentType: String? = "application/yaml"
    ) async throws -> Answer {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        let token: String? =
            switch credential {
            case .none: nil
            case .admin: adminToken
            case .read: readToken
            case .expired: expiredToken
            case .raw(let value): value
            }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)"] = "\(value)" }
        return Answer(status: http.statusCode, headers: headers, body: data)
    }

    /// Submits a plan as an admin; returns the created jobs' ids.
    func submit(_ plan: String) async throws -> [String] {
        let answer = try await request("POST", "/api/v1/plans", body: Data(plan.utf8))
        guard answer.status == 201, let jobs = answer.json["jobs"] as? [[String: Any]] else {
            throw Command.Failed(description: "submitting a plan: \(answer)")
        }
        return jobs.compactMap { $0["id"] as? String }
    }

    /// One job's record.
    func job(_ id: String) async throws -> [String: Any] {
        let answer = try await request("GET", "/api/v1/jobs/\(id)", as: .read)
        guard answer.status == 200 else { throw Command.Failed(description: "GET job \(id): \(answer)") }
        return answer.json
    }

    /// Polls the job until `predicate` holds (or the time is up, returning the last record).
    func waitForJob(_ id: String, seconds: Int = 60, until predicate: ([String: Any]) -> Bool) async throws -> [String:
        Any]
    {
        var record = try await job(id)
        for _ in 0..<(seconds * 4) where !predicate(record) {
            try await Task.sleep(for: .milliseconds(250))
            record = try await job(id)
        }
        return record
    }

    /// Starts reading the event stream with curl for `seconds` (curl, because URLSession on
    /// Linux hands over a body only once it has ended, and this one does not end).
    func startEvents(for seconds: Int) throws -> Spawn.Child {
        try Spawn.start([
            "curl", "-sS", "-N", "--max-time", String(seconds), "-H", "Authorization: Bearer \(readToken)",
            "\(url)/api/v1/events",
        ])
    }

    /// What the stream delivered until curl's time was up.
    func collectEvents(_ child: Spawn.Child) throws -> String {
        let result = Spawn.wait(child)
        // 28: the time is up, which is how a client leaves an endless stream.
        guard result.status == 28 else {
            throw Command.Failed(
                description: "curl exited \(result.status): \(String(decoding: result.errors, as: UTF8.self))")
        }
        return String(decoding: result.output, as: UTF8.self)
    }

    /// `event: NAME` / `data: JSON` pairs of a stream's text, in order.
    static func parseEvents(_ text: String) -> [(event: String, data: [String: Any])] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var event = "message"
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !data.isEmpty, let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
            else { return nil }
            return (event, object)
        }
    }

    /// A plan of VMs whose sources do not exist: a worker fails them at inspect, touching
    /// neither RBD nor libvirt.
    func missingVMsPlan(_ name: String, count: Int) -> (plan: String, sources: [String]) {
        let sources = (0..<count).map { directory.appendingPathComponent("gone-\($0)/gone-\($0).vmx").path }
        let entries = sources.map { "  - {source: \"\($0)\", pool: \(TestEnvironment.pool)}" }
        return ("name: \(name)\nvms:\n" + entries.joined(separator: "\n") + "\n", sources)
    }
}
