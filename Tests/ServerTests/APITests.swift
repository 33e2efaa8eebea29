import Foundation
import TestSupport
import Testing

/// The HTTP API of a real `ferry serve` without workers: jobs stay where the requests put them.
@Suite("the API: tokens, roles, plans, jobs, limits, metrics")
struct APITests {
    @Test("health needs no token; everything else needs a valid, unexpired one of the right role")
    func authentication() async throws {
        let server = try await ServerProcess(workers: false)
        defer { server.cleanUp() }

        let health = try await server.request("GET", "/healthz", as: .none)
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        #expect(health.json["queue"] as? String == "\(TestEnvironment.pool)/\(server.namespace)")

        let anonymous = try await server.request("GET", "/api/v1/jobs", as: .none)
        #expect(anonymous.status == 401)
        #expect(anonymous.header("WWW-Authenticate") == "Bearer realm=\"ferry\"")
        #expect(anonymous.error?.contains("bearer token") == true)

        let wrong = try await server.request("GET", "/api/v1/jobs", as: .raw("not-a-token"))
        #expect(wrong.status == 401)
        #expect(wrong.header("WWW-Authenticate")?.contains("invalid_token") == true)

        let expired = try await server.request("GET", "/api/v1/jobs", as: .expired)
        #expect(expired.status == 401)
        #expect(expired.error == "the bearer token \"test-expired\" has expired")

        let basic = try await server.request("GET", "/metrics", as: .none)
        #expect(basic.status == 401)

        let reader = try await server.request("GET", "/api/v1/jobs", as: .read)
        #expect(reader.status == 200)
        #expect((reader.json["jobs"] as? [Any])?.isEmpty == true)

        let (plan, _) = server.missingVMsPlan("roles", count: 1)
        let readSubmit = try await server.request("POST", "/api/v1/plans", as: .read, body: Data(plan.utf8))
        #expect(readSubmit.status == 403)
        #expect(readSubmit.error == "token \"test-reader\" has the read role; this needs admin")

        let ids = try await server.submit(plan)
        for verb in ["cancel", "retry"] {
            let answer = try await server.request("POST", "/api/v1/jobs/\(ids[0])/\(verb)", as: .read)
            #expect(answer.status == 403, "\(verb): \(answer)")
        }
        #expect(try await server.job(ids[0])["state"] as? String == "queued", "a refused cancel changes nothing")

        // A token created while the server runs works at once: the file is read again.
        let tokens = server.directory.appendingPathComponent("tokens").path
        let late = try ServerProcess.createToken(role: "read", name: "late-reader", file: tokens)
        #expect(try await server.request("GET", "/api/v1/jobs", as: .raw(late)).status == 200)
        // The server logs who did what, never a token.
        let log = server.stop().errors
        #expect(log.contains("submitted by test-admin"))
        for token in [server.adminToken, server.readToken, server.expiredToken] { #expect(!log.contains(token)) }
    }

    @Test("submit, list, show, logs; cancel and retry move jobs between states, or answer 409/404")
    func jobLifecycle() async throws {
        let server = try await ServerProcess(workers: false)
        defer { server.cleanUp() }
        let (plan, sources) = server.missingVMsPlan("wave-api", count: 2)
        let submitted = try await server.request("POST", "/api/v1/plans", body: Data(plan.utf8))
        #expect(submitted.status == 201)
        let jobs = try #require(submitted.json["jobs"] as? [[String: Any]])
        #expect(jobs.count == 2)
        #expect(jobs.allSatisfy { $0["state"] as? String == "queued" && $0["plan"] as? String == "wave-api" })
        let ids = jobs.compactMap { $0["id"] as? String }

        let list = try await server.request("GET", "/api/v1/jobs?plan=wave-api", as: .read)
        #expect((list.json["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ids)
        let otherPlan = try await server.request("GET", "/api/v1/jobs?plan=other", as: .read)
        #expect((otherPlan.json["jobs"] as? [Any])?.count == 0)

        let detail = try await server.job(ids[0])
        #expect((detail["spec"] as? [String: Any])?["source"] as? String == sources[0])
        let logs = try await server.request("GET", "/api/v1/jobs/\(ids[0])/logs", as: .read)
        #expect(logs.status == 200)
        let lines = try #require(logs.json["log"] as? [[String: Any]])
        #expect(lines.first?["message"] as? String == "queued from plan wave-api")
        #expect((lines.first?["time"] as? String)?.hasSuffix("Z") == true)

        let cancel = try await server.request("POST", "/api/v1/jobs/\(ids[0])/cancel")
        #expect(cancel.status == 200)
        #expect(cancel.json["state"] as? String == "cancelled")
        let again = try await server.request("POST", "/api/v1/jobs/\(ids[0])/cancel")
        #expect(again.status == 409)
        #expect(again.error == "job \(ids[0]) is already cancelled")

        let cancelled = try await server.request("GET", "/api/v1/jobs?state=cancelled", as: .read)
        #expect((cancelled.json["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])

        let retry = try await server.request("POST", "/api/v1/jobs/\(ids[0])/retry")
        #expect(retry.status == 200)
        #expect(retry.json["state"] as? String == "queued")
        let retryQueued = try await server.request("POST", "/api/v1/jobs/\(ids[1])/retry")
        #expect(retryQueued.status == 409)
        #expect(retryQueued.error?.contains("only failed or cancelled jobs can be retried") == true)

        for path in ["/api/v1/jobs/0123-abcd", "/api/v1/jobs/0123-abcd/logs", "/api/v1/jobs/../etc"] {
            #expect(try await server.request("GET", path, as: .read).status == 404, "\(path)")
        }
        let unknownCancel = try await server.request("POST", "/api/v1/jobs/0123-abcd/cancel")
        #expect(unknownCancel.status == 404)
        #expect(unknownCancel.error == "no job 0123-abcd")
        let badState = try await server.request("GET", "/api/v1/jobs?state=finished", as: .read)
        #expect(badState.status == 400)
    }

    @Test("bad plans are 400 with one line; oversized bodies 413; other media types 415; other methods 405")
    func requestLimits() async throws {
        let server = try await ServerProcess(workers: false, maxBodyKiB: 16)
        defer { server.cleanUp() }
        let noPool = try await server.request("POST", "/api/v1/plans", body: Data("vms:\n  - source: /x/y.vmx\n".utf8))
        #expect(noPool.status == 400)
        #expect(noPool.error == "plan from API: vms[0] (/x/y.vmx): no pool (set \"pool\" here or under \"defaults\")")
        let relative = try await server.request(
            "POST", "/api/v1/plans", body: Data("vms: [{source: y.vmx, pool: rbd}]".utf8))
        #expect(relative.status == 400)
        #expect(relative.error?.contains("relative") == true)
        #expect(relative.error?.contains("\n") == false)

        // A YAML comment just over server.max_body_kib, then one far over it.
        for size in [16 * 1024 + 1, 4 << 20] {
            let body = Data(repeating: UInt8(ascii: "#"), count: size)
            let tooLarge = try await server.request("POST", "/api/v1/plans", body: body)
            #expect(tooLarge.status == 413, "\(size) bytes")
            #expect(tooLarge.error == "the plan is larger than server.max_body_kib (16 KiB)")
        }
        let justFits = try await server.request(
            "POST", "/api/v1/plans", body: Data(repeating: UInt8(ascii: "#"), count: 16 * 1024))
        #expect(justFits.status == 400, "read in full and refused as a plan, not for its size: \(justFits)")

        let json = try await server.request(
            "POST", "/api/v1/plans", body: Data("{}".utf8), contentType: "application/json")
        #expect(json.status == 415)

        let delete = try await server.request("DELETE", "/api/v1/jobs")
        #expect(delete.status == 405)
        #expect(delete.header("Allow") == "GET, HEAD, OPTIONS")
        #expect((try await server.request("GET", "/api/v1/plans")).status == 405)
        #expect((try await server.request("GET", "/nowhere")).status == 404)
        let listAfter = try await server.request("GET", "/api/v1/jobs", as: .read)
        #expect((listAfter.json["jobs"] as? [Any])?.isEmpty == true, "no refused plan queued anything")
    }

    @Test("the dashboard and the API description are served without a token")
    func staticPages() async throws {
        let server = try await ServerProcess(workers: false)
        defer { server.cleanUp() }
        let page = try await server.request("GET", "/", as: .none)
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        #expect(page.text.contains("api/v1/events"))
        let policy = try #require(page.header("Content-Security-Policy"))
        #expect(policy.contains("script-src 'sha256-"))
        #expect(!page.text.contains("http://") && !page.text.contains("https://"), "no external assets")
        let document = try await server.request("GET", "/openapi.yaml", as: .none)
        #expect(document.status == 200)
        #expect(document.text.hasPrefix("openapi: 3.0"))
        for path in ["/api/v1/plans", "/api/v1/jobs/{id}/retry", "/api/v1/events", "/metrics", "/healthz"] {
            #expect(document.text.contains("  \(path):"), "\(path) is described")
        }
    }
}
