import Ferry
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// The HTTP API in process, against a queue in memory: what each route answers, by role,
/// for good and bad requests. `ServerTests` checks the same API through a real `ferry serve`
/// on the cluster; these run without one, in milliseconds.
@Suite("the API in process: tokens, roles, plans, jobs, errors, health, metrics")
struct APIRouteTests {
    /// Two VMs from folders that need not exist: queuing a plan reads no source.
    static func plan(_ name: String, count: Int = 2) -> (text: String, sources: [String]) {
        let sources = (0..<count).map { "/srv/vms/\(name)-\($0)/\(name)-\($0).vmx" }
        let entries = sources.map { "  - {source: \"\($0)\", pool: rbd}" }
        return ("name: \(name)\nvms:\n" + entries.joined(separator: "\n") + "\n", sources)
    }

    @Test("health is open; everything else needs a valid, unexpired token of the right role (401/403)")
    func authentication() async throws {
        let api = try APIHarness()
        let queue = api.queue
        try await api.run { client in
            let health = try await client.request(.get, "/healthz", as: .none)
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "ok")
            #expect(health.json["queue"] as? String == "rbd/api-test")
            #expect(health.json["jobs"] as? Int == 0)

            let anonymous = try await client.request(.get, "/api/v1/jobs", as: .none)
            #expect(anonymous.status == 401)
            #expect(anonymous.header("WWW-Authenticate") == "Bearer realm=\"ferry\"")
            #expect(anonymous.error?.contains("bearer token") == true)

            let unknown = try await client.request(.get, "/api/v1/jobs", as: .header("Bearer not-a-token"))
            #expect(unknown.status == 401)
            #expect(unknown.header("WWW-Authenticate") == "Bearer realm=\"ferry\", error=\"invalid_token\"")
            #expect(unknown.error == "the bearer token is not valid")

            let basic = try await client.request(.get, "/api/v1/jobs", as: .header("Basic dXNlcjpwdw=="))
            #expect(basic.status == 401)
            #expect(basic.error == "the Authorization header is not \"Bearer TOKEN\"")

            let expired = try await client.request(.get, "/api/v1/jobs", as: .expired)
            #expect(expired.status == 401)
            #expect(expired.error == "the bearer token \"test-expired\" has expired")

            #expect(try await client.request(.get, "/metrics", as: .none).status == 401)
            #expect(try await client.request(.get, "/api/v1/events", as: .none).status == 401)
            #expect(try await client.request(.get, "/api/v1/jobs", as: .read).status == 200)

            let readSubmit = try await client.request(.post, "/api/v1/plans", as: .read, plan: Self.plan("roles").text)
            #expect(readSubmit.status == 403)
            #expect(readSubmit.error == "token \"test-reader\" has the read role; this needs admin")
            #expect(try queue.summaries().isEmpty, "a refused plan queues nothing")

            let submitted = try await client.request(.post, "/api/v1/plans", plan: Self.plan("roles", count: 1).text)
            #expect(submitted.status == 201)
            let id = try #require(try queue.summaries().first?.id)
            for verb in ["cancel", "retry"] {
                let answer = try await client.request(.post, "/api/v1/jobs/\(id)/\(verb)", as: .read)
                #expect(answer.status == 403, "\(verb): \(answer)")
                #expect(answer.error == "token \"test-reader\" has the read role; this needs admin")
            }
            #expect(try queue.job(id)?.state == .queued, "a refused cancel changes nothing")
        }
    }

    @Test("a YAML plan becomes queued jobs; list filters by plan and state; show and logs")
    func submitListShow() async throws {
        let api = try APIHarness()
        let queue = api.queue
        try await api.run { client in
            let (wave, sources) = Self.plan("wave-a")
            let submitted = try await client.request(.post, "/api/v1/plans", plan: wave)
            #expect(submitted.status == 201)
            let jobs = try #require(submitted.json["jobs"] as? [[String: Any]])
            #expect(jobs.count == 2)
            #expect(jobs.allSatisfy { $0["state"] as? String == "queued" && $0["plan"] as? String == "wave-a" })
            let ids = jobs.compactMap { $0["id"] as? String }
            #expect(try queue.summaries().map(\.id) == ids, "the jobs are in the queue")
            #expect(try queue.job(ids[1])?.spec.source == sources[1])

            // No Content-Type at all is taken as YAML too; text/plain as curl users send it.
            let other = try await client.request(
                .post, "/api/v1/plans", body: Array(Self.plan("wave-b", count: 1).text.utf8), contentType: nil)
            #expect(other.status == 201)
            let plain = try await client.request(
                .post, "/api/v1/plans", body: Array(Self.plan("wave-c", count: 1).text.utf8),
                contentType: "text/plain; charset=utf-8")
            #expect(plain.status == 201)

            func listed(_ query: String) async throws -> [String]? {
                let list = try await client.request(.get, "/api/v1/jobs\(query)", as: .read)
                #expect(list.status == 200, "\(query): \(list)")
                return (list.json["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            }
            #expect(try await listed("")?.count == 4)
            #expect(try await listed("?plan=wave-a") == ids)
            #expect(try await listed("?plan=nothing") == [])
            queue.update(ids[0]) { $0.state = .failed }
            #expect(try await listed("?state=failed") == [ids[0]])
            #expect(try await listed("?state=queued&plan=wave-a") == [ids[1]])
            let badState = try await client.request(.get, "/api/v1/jobs?state=finished", as: .read)
            #expect(badState.status == 400)
            #expect(
                badState.error
                    == "state \"finished\" is not one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")

            let detail = try await client.request(.get, "/api/v1/jobs/\(ids[1])", as: .read)
            #expect(detail.status == 200)
            #expect(detail.json["id"] as? String == ids[1])
            #expect((detail.json["spec"] as? [String: Any])?["source"] as? String == sources[1])

            let logs = try await client.request(.get, "/api/v1/jobs/\(ids[1])/logs", as: .read)
            #expect(logs.status == 200)
            #expect(logs.json["state"] as? String == "queued")
            let lines = try #require(logs.json["log"] as? [[String: Any]])
            #expect(lines.first?["message"] as? String == "queued from plan wave-a")
            #expect((lines.first?["time"] as? String)?.hasSuffix("Z") == true)

            for path in ["/api/v1/jobs/0123-abcd", "/api/v1/jobs/0123-abcd/logs"] {
                let missing = try await client.request(.get, path, as: .read)
                #expect(missing.status == 404, "\(path)")
                #expect(missing.error == "no job 0123-abcd")
            }
        }
    }

    @Test("cancel and retry follow the job's state: 200, 202 while a worker holds it, 409, 503, 404")
    func cancelAndRetry() async throws {
        let api = try APIHarness()
        let queue = api.queue
        try await api.run { client in
            _ = try await client.request(.post, "/api/v1/plans", plan: Self.plan("states", count: 3).text)
            let ids = try queue.summaries().map(\.id)

            let cancel = try await client.request(.post, "/api/v1/jobs/\(ids[0])/cancel")
            #expect(cancel.status == 200)
            #expect(cancel.json["state"] as? String == "cancelled")
            let again = try await client.request(.post, "/api/v1/jobs/\(ids[0])/cancel")
            #expect(again.status == 409)
            #expect(again.error == "job \(ids[0]) is already cancelled")

            let retry = try await client.request(.post, "/api/v1/jobs/\(ids[0])/retry")
            #expect(retry.status == 200)
            #expect(retry.json["state"] as? String == "queued")
            let retryQueued = try await client.request(.post, "/api/v1/jobs/\(ids[1])/retry")
            #expect(retryQueued.status == 409)
            #expect(retryQueued.error == "job \(ids[1]) is queued; only failed or cancelled jobs can be retried")

            // A running job: its worker acts on the request, so the answer is 202 and the job runs on.
            queue.update(ids[1], held: true) { $0.state = .running }
            let running = try await client.request(.post, "/api/v1/jobs/\(ids[1])/cancel")
            #expect(running.status == 202)
            #expect(running.json["state"] as? String == "running")
            #expect(queue.isCancelRequested(ids[1]))
            let retryRunning = try await client.request(.post, "/api/v1/jobs/\(ids[1])/retry")
            #expect(retryRunning.status == 409)

            // Failed, but a worker still holds it for a moment: try again later.
            queue.update(ids[2], held: true) { $0.state = .failed }
            let busy = try await client.request(.post, "/api/v1/jobs/\(ids[2])/retry")
            #expect(busy.status == 503)
            #expect(busy.header("Retry-After") == "2")
            #expect(busy.error == "job \(ids[2]) is held by a worker right now; try again in a moment")
            queue.update(ids[2], held: false) { _ in }
            #expect(try await client.request(.post, "/api/v1/jobs/\(ids[2])/retry").status == 200)

            queue.update(ids[2]) { $0.state = .done }
            let finished = try await client.request(.post, "/api/v1/jobs/\(ids[2])/cancel")
            #expect(finished.status == 409)
            #expect(finished.error == "job \(ids[2]) is already done")

            for verb in ["cancel", "retry"] {
                let unknown = try await client.request(.post, "/api/v1/jobs/0123-abcd/\(verb)")
                #expect(unknown.status == 404)
                #expect(unknown.error == "no job 0123-abcd")
            }
        }
    }

    @Test("every error is {\"error\": one line}: bad plans 400, 404, 405, 413, 415, an unreadable queue 500")
    func errors() async throws {
        let api = try APIHarness(maxBodyKiB: 16)
        let queue = api.queue
        try await api.run { client in
            let noPool = try await client.request(.post, "/api/v1/plans", plan: "vms:\n  - source: /x/y.vmx\n")
            #expect(noPool.status == 400)
            #expect(noPool.error == "plan from API: vms[0] (/x/y.vmx): no pool (set \"pool\" here or under \"defaults\")")
            let relative = try await client.request(.post, "/api/v1/plans", plan: "vms: [{source: y.vmx, pool: rbd}]")
            #expect(relative.status == 400)
            #expect(relative.error?.contains("relative") == true)
            let malformed = try await client.request(.post, "/api/v1/plans", plan: "vms: [\n  - {source")
            #expect(malformed.status == 400)
            let notText = try await client.request(.post, "/api/v1/plans", body: [0x76, 0x6d, 0xff, 0xfe])
            #expect(notText.status == 400)
            #expect(notText.error == "the plan is not UTF-8 text")

            for size in [16 * 1024 + 1, 4 << 20] {
                let tooLarge = try await client.request(
                    .post, "/api/v1/plans", body: [UInt8](repeating: UInt8(ascii: "#"), count: size))
                #expect(tooLarge.status == 413, "\(size) bytes")
                #expect(tooLarge.error == "the plan is larger than server.max_body_kib (16 KiB)")
            }
            let justFits = try await client.request(
                .post, "/api/v1/plans", body: [UInt8](repeating: UInt8(ascii: "#"), count: 16 * 1024))
            #expect(justFits.status == 400, "read in full and refused as a plan, not for its size: \(justFits)")

            let json = try await client.request(.post, "/api/v1/plans", body: Array("{}".utf8), contentType: "application/json")
            #expect(json.status == 415)
            #expect(json.error == "send the plan as YAML text (Content-Type: application/yaml), not application/json")
            let latin1 = try await client.request(
                .post, "/api/v1/plans", body: Array("vms: []".utf8), contentType: "text/yaml; charset=iso-8859-1")
            #expect(latin1.status == 415)

            let delete = try await client.request(.delete, "/api/v1/jobs")
            #expect(delete.status == 405)
            #expect(delete.header("Allow") == "GET, HEAD, OPTIONS")
            #expect(delete.error == "DELETE is not allowed on /api/v1/jobs (allowed: GET, HEAD, OPTIONS)")
            let options = try await client.request(.options, "/api/v1/plans", as: .none)
            #expect(options.status == 204)
            #expect(options.header("Allow") == "POST, OPTIONS")
            let nowhere = try await client.request(.get, "/nowhere", as: .none)
            #expect(nowhere.status == 404)
            #expect(nowhere.error == "no route GET /nowhere")
            #expect(nowhere.header("X-Content-Type-Options") == "nosniff")
            #expect(try queue.summaries().isEmpty, "no refused plan queued anything")

            queue.failure.withLock { $0 = JobStoreError(.corrupt, "index entry x does not decode") }
            let broken = try await client.request(.get, "/api/v1/jobs", as: .read)
            #expect(broken.status == 500)
            #expect(broken.error == "index entry x does not decode")
            for answer in [noPool, relative, malformed, json, delete, nowhere, broken] {
                #expect(answer.error?.contains("\n") == false, "one line: \(answer)")
                #expect(answer.header("Content-Type")?.hasPrefix("application/json") == true, "\(answer)")
            }
        }
    }

    @Test("health answers 503 when the queue cannot be read; metrics count jobs, requests and the queue")
    func healthAndMetrics() async throws {
        let api = try APIHarness()
        let queue = api.queue
        try await api.run { client in
            _ = try await client.request(.post, "/api/v1/plans", plan: Self.plan("metrics", count: 3).text)
            let ids = try queue.summaries().map(\.id)
            queue.update(ids[0]) { $0.state = .failed }
            _ = try await client.request(.get, "/api/v1/jobs/\(ids[1])", as: .read)

            let metrics = try await client.request(.get, "/metrics", as: .read)
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            let text = metrics.text
            #expect(text.contains("ferry_jobs{state=\"queued\"} 2"))
            #expect(text.contains("ferry_jobs{state=\"failed\"} 1"))
            #expect(text.contains("ferry_jobs{state=\"running\"} 0"))
            #expect(text.contains("ferry_queue_up 1"))
            #expect(text.contains("ferry_http_requests_total{route=\"/api/v1/plans\",status=\"201\"} 1"))
            #expect(text.contains("ferry_http_requests_total{route=\"/api/v1/jobs/{id}\",status=\"200\"} 1"))
            #expect(!text.contains(ids[1]), "routes are counted by template, not by job id")

            queue.failure.withLock { $0 = JobStoreError(.corrupt, "the index does not decode") }
            let health = try await client.request(.get, "/healthz", as: .none)
            #expect(health.status == 503)
            #expect(health.json["status"] as? String == "unavailable")
            #expect(health.json["error"] as? String == "the index does not decode")
            let down = try await client.request(.get, "/metrics", as: .read)
            #expect(down.status == 200, "metrics answer while the queue is down")
            #expect(down.text.contains("ferry_queue_up 0"))
        }
    }
}
