import Ferry
import Foundation
import Hummingbird
import Logging

/// The queue's operations: submit a plan, list and read jobs, cancel and retry them.
struct JobRoutes: Sendable {
    /// Where plans get their defaults (pools, nodes, attempts).
    let configuration: ServiceConfiguration
    let queue: QueueAccess
    let maxBodyBytes: Int
    let logger: Logger

    /// Plans are YAML; text/plain is what `curl --data-binary` users reach for. No type at
    /// all is taken as YAML too.
    static let planMediaTypes: Set<String> = [
        "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain",
    ]

    var routes: [Route] {
        [
            Route(method: .post, path: "/api/v1/plans", access: .token(.admin)) { request, _, principal in
                try await submit(request, by: principal!)
            },
            Route(method: .get, path: "/api/v1/jobs", access: .token(.read)) { request, _, _ in
                try await list(request)
            },
            Route(method: .get, path: "/api/v1/jobs/{id}", access: .token(.read)) { _, context, _ in
                JSONResponse.make(try await job(context))
            },
            Route(method: .get, path: "/api/v1/jobs/{id}/logs", access: .token(.read)) { _, context, _ in
                let job = try await job(context)
                return JSONResponse.make(JobLog(id: job.id, state: job.state, log: job.log))
            },
            Route(method: .post, path: "/api/v1/jobs/{id}/cancel", access: .token(.admin)) { _, context, principal in
                let id = try context.parameters.require("id")
                let job = try await queue.run { try $0.cancel(id) }
                logger.info(
                    "job \(id) cancel requested by \(principal!.name)", metadata: ["state": "\(job.state.rawValue)"])
                // A running job is cancelled by its worker at its next lease renewal.
                return JSONResponse.make(status: job.state == .cancelled ? .ok : .accepted, job)
            },
            Route(method: .post, path: "/api/v1/jobs/{id}/retry", access: .token(.admin)) { _, context, principal in
                let id = try context.parameters.require("id")
                let job = try await queue.run { try $0.retry(id) }
                logger.info("job \(id) queued again by \(principal!.name)")
                return JSONResponse.make(job)
            },
        ]
    }

    private func submit(_ request: Request, by principal: Principal) async throws -> Response {
        if let type = request.headers[.contentType] {
            let parts = type.lowercased().split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let charset = parts.dropFirst().first { $0.hasPrefix("charset=") }?.dropFirst("charset=".count)
            guard Self.planMediaTypes.contains(parts.first ?? ""),
                charset == nil || ["utf-8", "\"utf-8\"", "us-ascii"].contains(charset!)
            else {
                throw APIError(
                    .unsupportedMediaType, "send the plan as YAML text (Content-Type: application/yaml), not \(type)")
            }
        }
        let tooLarge = APIError(
            .contentTooLarge, "the plan is larger than server.max_body_kib (\(maxBodyBytes / 1024) KiB)")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes { throw tooLarge }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge
        }
        guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
            throw APIError(.badRequest, "the plan is not UTF-8 text")
        }
        let configuration = configuration
        let jobs = try await queue.run {
            try $0.submit(MigrationPlan(yaml: text, source: "plan from API"), configuration: configuration)
        }
        logger.info("plan \(jobs.first?.plan ?? "") submitted by \(principal.name): \(jobs.count) job(s)")
        return JSONResponse.make(status: .created, JobList(jobs: jobs))
    }

    private func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var state: JobState?
        if let text = query.get("state") {
            guard let known = JobState(rawValue: text) else {
                throw APIError(
                    .badRequest,
                    "state \"\(text)\" is not one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            state = known
        }
        let plan = query.get("plan")
        let jobs = try await queue.run { try $0.summaries() }
            .filter { (state == nil || $0.state == state) && (plan == nil || $0.plan == plan) }
        return JSONResponse.make(SummaryList(jobs: jobs))
    }

    private func job(_ context: APIContext) async throws -> Job {
        let id = try context.parameters.require("id")
        guard let job = try await queue.run({ try $0.job(id) }) else { throw APIError(.notFound, "no job \(id)") }
        return job
    }
}

/// `POST /api/v1/plans` answer.
struct JobList: Encodable {
    var jobs: [Job]
}

/// `GET /api/v1/jobs` answer.
struct SummaryList: Encodable {
    var jobs: [JobSummary]
}

/// `GET /api/v1/jobs/{id}/logs` answer.
struct JobLog: Encodable {
    var id: String
    var state: JobState
    var log: [JobLogEntry]
}
