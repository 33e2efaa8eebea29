import Foundation
import TestSupport
import Testing

/// `ferry serve` with its worker: jobs really run, fail, import and get cancelled, and the
/// event stream and metrics follow them.
@Suite("ferry serve with its worker: live jobs, events, metrics, shutdown")
struct LiveJobTests {
    @Test("a VM whose source does not exist fails with its error line; metrics count it", .timeLimit(.minutes(2)))
    func failedJob() async throws {
        let server = try await ServerProcess(workers: true)
        defer { server.cleanUp() }
        let (plan, sources) = server.missingVMsPlan("wave-missing", count: 1)
        let id = try #require(try await server.submit(plan).first)
        let job = try await server.waitForJob(id) { $0["state"] as? String == "failed" }
        #expect(job["state"] as? String == "failed")
        #expect(job["step"] as? String == "inspect")
        let error = try #require(job["error"] as? String)
        #expect(error.hasPrefix(sources[0]), "\(error)")
        #expect(!error.contains("\n"))

        let failedList = try await server.request("GET", "/api/v1/jobs?state=failed", as: .read)
        let summary = try #require((failedList.json["jobs"] as? [[String: Any]])?.first)
        #expect(summary["id"] as? String == id)
        #expect(summary["error"] as? String == error)
        let logs = try await server.request("GET", "/api/v1/jobs/\(id)/logs", as: .read)
        let messages = (logs.json["log"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.contains(sources[0]) }, "\(messages)")

        // The watcher reads the queue once a second; give it a moment to see the failure.
        var metrics = ""
        for _ in 0..<20 {
            metrics = try await server.request("GET", "/metrics", as: .read).text
            if metrics.contains("ferry_job_errors_total 1") { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(metrics.contains("# TYPE ferry_imported_bytes_total counter"))
        #expect(metrics.contains("ferry_imported_bytes_total 0"))
        #expect(metrics.contains("ferry_jobs{state=\"failed\"} 1"))
        #expect(metrics.contains("ferry_jobs{state=\"queued\"} 0"))
        #expect(metrics.contains("# TYPE ferry_import_bytes_per_second gauge"))
        #expect(metrics.contains("ferry_job_errors_total 1"))
        #expect(metrics.contains("ferry_http_requests_total{route=\"/api/v1/plans\",status=\"201\"} 1"))
        #expect(metrics.contains("ferry_http_requests_total{route=\"/api/v1/jobs/{id}\",status=\"200\"}"))

        // Retry queues it again; it fails again, and the counter follows.
        #expect(try await server.request("POST", "/api/v1/jobs/\(id)/retry").status == 200)
        let again = try await server.waitForJob(id) {
            $0["state"] as? String == "failed" && $0["attempts"] as? Int == 1
        }
        #expect(again["state"] as? String == "failed")
        let stopped = server.stop()
        #expect(stopped.status == 0, "SIGTERM is a clean exit: \(stopped.errors.suffix(500))")
        #expect(stopped.errors.contains("stopped"), "the worker drained")
    }

    @Test("the event stream sends every job, then each change, and ends when the server stops", .timeLimit(.minutes(2)))
    func eventStream() async throws {
        let server = try await ServerProcess(workers: false)
        defer { server.cleanUp() }
        let first = try #require(try await server.submit(server.missingVMsPlan("wave-events", count: 1).plan).first)

        // Cancel while the stream is open: the change must arrive as a second event.
        let stream = try server.startEvents(for: 8)
        try await Task.sleep(for: .seconds(2))
        #expect(try await server.request("POST", "/api/v1/jobs/\(first)/cancel").status == 200)
        try await Task.sleep(for: .seconds(6))
        let events = ServerProcess.parseEvents(try server.collectEvents(stream))
        let states = events.filter { $0.event == "job" && $0.data["id"] as? String == first }.map {
            $0.data["state"] as? String
        }
        #expect(states == ["queued", "cancelled"], "\(events.map { ($0.event, $0.data["state"] ?? "") })")
        let summary = try #require(events.first?.data)
        for key in ["plan", "name", "totalBytes", "doneBytes", "bytesPerSecond", "updatedAt"] {
            #expect(summary[key] != nil, "\(key) in \(summary)")
        }

        // SIGTERM with a client still following: the stream ends cleanly and the server exits.
        let open = try server.startEvents(for: 60)
        try await Task.sleep(for: .seconds(1))
        let started = ContinuousClock.now
        let stopped = server.stop()
        #expect(stopped.status == 0, "\(stopped.errors.suffix(500))")
        let ended = Spawn.wait(open)
        #expect(ended.status == 0, "curl saw the stream end, not its own timeout")
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test("the event stream needs a token")
    func eventStreamNeedsToken() async throws {
        let server = try await ServerProcess(workers: false)
        defer { server.cleanUp() }
        let refused = try Spawn.start([
            "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "\(server.url)/api/v1/events",
        ])
        #expect(String(decoding: Spawn.wait(refused).output, as: UTF8.self) == "401")
    }

    @Test("cancelling a running import is accepted (202) and its worker stops it", .timeLimit(.minutes(3)))
    func cancelRunningImport() async throws {
        // 2 MiB/s over 24 MiB: the import lasts about 12 s; short leases make the cancel land fast.
        let server = try await ServerProcess(
            workers: true, extraConfig: "workers: {slots: 1, lease_seconds: 6}\nlimits: {max_mib_per_second: 2}")
        defer { server.cleanUp() }
        let name = TestEnvironment.uniqueName("serve-cancel")
        let vmx = String(
            decoding: try Command.run([
                "bash", "\(TestEnvironment.repositoryRoot)/Docker/dev/make-vm.sh", server.directory.path, name, "24",
            ]), as: UTF8.self
        ).trimmingCharacters(in: .newlines)
        let image = "\(TestEnvironment.pool)/\(name)-disk0"
        defer {
            _ = try? Command.run(["rbd", "snap", "purge", image])
            _ = try? Command.run(["rbd", "rm", "--no-progress", image])
        }
        let id = try #require(
            try await server.submit("vms: [{source: \"\(vmx)\", pool: \(TestEnvironment.pool)}]\n").first
        )

        let importing = try await server.waitForJob(id) { job in
            let disks = job["disks"] as? [[String: Any]] ?? []
            return job["state"] as? String == "running" && disks.contains { ($0["doneBytes"] as? Int ?? 0) > 0 }
        }
        let disk = try #require((importing["disks"] as? [[String: Any]])?.first)
        #expect(disk["image"] as? String == image)
        #expect((disk["doneBytes"] as? Int ?? 0) < 24 << 20, "interrupted mid-way")

        let cancel = try await server.request("POST", "/api/v1/jobs/\(id)/cancel")
        #expect(cancel.status == 202, "\(cancel)")
        #expect(cancel.json["state"] as? String == "running")
        let cancelled = try await server.waitForJob(id) { $0["state"] as? String == "cancelled" }
        #expect(cancelled["state"] as? String == "cancelled")
        let metrics = try await server.request("GET", "/metrics", as: .read).text
        let imported = metrics.split(separator: "\n").first { $0.hasPrefix("ferry_imported_bytes_total ") }
        #expect((imported.flatMap { Int($0.split(separator: " ")[1]) } ?? 0) > 0, "\(imported ?? "no line")")
    }
}
