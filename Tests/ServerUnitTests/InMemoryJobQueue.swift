import Ferry
import Foundation
import Synchronization

/// A job queue in memory, behind the same `JobQueue` protocol the server's routes use, so
/// the HTTP API is tested in process without a cluster.
///
/// It keeps `JobStore`'s admin rules (what may be cancelled or retried, which error each
/// refusal is) but not its storage: leases are a set of ids a test marks as held by a
/// worker. The rules themselves are checked against RADOS by `JobStoreTests`; here they
/// only have to produce the errors whose HTTP form the API tests check.
final class InMemoryJobQueue: JobQueue {
    private struct State {
        var jobs: [Job] = []
        /// Jobs a (pretend) worker holds the lease of.
        var held: Set<String> = []
        /// Jobs with a pending cancel request.
        var cancelRequested: Set<String> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    /// When set, every call throws it (a queue that cannot be read).
    let failure = Mutex<(any Error)?>(nil)

    private func check() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }

    func submit(_ specs: [JobSpec], plan: String, maxAttempts: [Int]) throws -> [Job] {
        try check()
        return state.withLock { state in
            specs.indices.map { index in
                state.nextID += 1
                let job = Job(
                    id: String(format: "20261207-000000-%03d-%08x", index, state.nextID), plan: plan,
                    spec: specs[index], maxAttempts: maxAttempts[index])
                state.jobs.append(job)
                return job
            }
        }
    }

    func summaries() throws -> [JobSummary] {
        try check()
        return state.withLock { $0.jobs.map(\.summary) }
    }

    func job(_ id: String) throws -> Job? {
        try check()
        return state.withLock { state in state.jobs.first { $0.id == id } }
    }

    func cancel(_ id: String) throws -> Job {
        try check()
        return try state.withLock { state throws(JobStoreError) -> Job in
            guard let index = state.jobs.firstIndex(where: { $0.id == id }) else {
                throw JobStoreError(.unknownJob, "no job \(id)")
            }
            let job = state.jobs[index]
            if job.state.isFinal { throw JobStoreError(.invalidState, "job \(id) is already \(job.state.rawValue)") }
            if state.held.contains(id) {
                // As in RADOS: the worker sees the request at its next lease renewal.
                state.cancelRequested.insert(id)
                return job
            }
            state.jobs[index].state = .cancelled
            state.jobs[index].finishedAt = Date()
            state.jobs[index].note("cancelled by an admin")
            return state.jobs[index]
        }
    }

    func retry(_ id: String) throws -> Job {
        try check()
        return try state.withLock { state throws(JobStoreError) -> Job in
            guard let index = state.jobs.firstIndex(where: { $0.id == id }) else {
                throw JobStoreError(.unknownJob, "no job \(id)")
            }
            let job = state.jobs[index]
            guard job.state == .failed || job.state == .cancelled else {
                throw JobStoreError(
                    .invalidState, "job \(id) is \(job.state.rawValue); only failed or cancelled jobs can be retried")
            }
            guard !state.held.contains(id) else {
                throw JobStoreError(.busy, "job \(id) is held by a worker right now; try again in a moment")
            }
            state.jobs[index].state = .queued
            state.jobs[index].attempts = 0
            state.jobs[index].error = nil
            state.jobs[index].finishedAt = nil
            state.jobs[index].note("queued again by an admin")
            return state.jobs[index]
        }
    }

    // MARK: What a worker would do

    /// Changes a job as a worker would (start it, fail it, finish it).
    func update(_ id: String, held: Bool? = nil, _ change: (inout Job) -> Void) {
        state.withLock { state in
            guard let index = state.jobs.firstIndex(where: { $0.id == id }) else { return }
            change(&state.jobs[index])
            if let held {
                if held { state.held.insert(id) } else { state.held.remove(id) }
            }
        }
    }

    func isCancelRequested(_ id: String) -> Bool {
        state.withLock { $0.cancelRequested.contains(id) }
    }
}
