import Ceph
import Ferry
import Foundation
import Testing
import TestSupport

/// The queue's RADOS layout and its guarantees, without workers: claims, fencing, admin requests.
@Suite("job store in RADOS")
struct JobStoreTests {
    private func makeStore() throws -> JobStore {
        let cluster = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
        return try JobStore(cluster: cluster, pool: TestEnvironment.pool, namespace: TestEnvironment.uniqueName("store"))
    }

    private func spec(_ name: String, priority: Int = 50) -> JobSpec {
        JobSpec(source: "/nowhere/\(name).vmx", name: name, pool: "rbd", priority: priority, datastore: "/nowhere")
    }

    @Test("a claimed job cannot be claimed again while its lease is held")
    func exclusiveClaims() throws {
        let store = try makeStore()
        let jobs = try store.submit([spec("a"), spec("b", priority: 80)], plan: "p", maxAttempts: [3, 3])
        let scheduler = JobScheduler(limits: JobLimits())
        let (firstLease, first) = try #require(try store.claim(worker: "w1", scheduler: scheduler, leaseDuration: .seconds(30)))
        #expect(first.id == jobs[1].id, "higher priority first")
        #expect(first.state == .running)
        #expect(first.attempts == 1)
        let (secondLease, second) = try #require(try store.claim(worker: "w2", scheduler: scheduler, leaseDuration: .seconds(30)))
        #expect(second.id == jobs[0].id)
        #expect(try store.claim(worker: "w3", scheduler: scheduler, leaseDuration: .seconds(30)) == nil, "nothing left")
        #expect(try store.heldJobs(store.summaries()) == [first.id, second.id])
        firstLease.release()
        secondLease.release()
    }

    @Test("a worker whose lease lapsed and was taken over can no longer write the job")
    func fencing() async throws {
        let store = try makeStore()
        _ = try store.submit([spec("a")], plan: "p", maxAttempts: [3])
        let scheduler = JobScheduler(limits: JobLimits())
        let (stale, job) = try #require(try store.claim(worker: "w1", scheduler: scheduler, leaseDuration: .seconds(1)))
        try await Task.sleep(for: .milliseconds(1500))
        let (fresh, takenOver) = try #require(try store.claim(worker: "w2", scheduler: scheduler, leaseDuration: .seconds(30)))
        #expect(takenOver.id == job.id)
        #expect(takenOver.attempts == 2)
        #expect(takenOver.log.last?.message.contains("taken over by w2 after the lease of w1 lapsed") == true)
        #expect(try !stale.renew(), "the stale worker's renewal fails")
        var update = job
        update.note("stale write")
        let error = #expect(throws: JobStoreError.self) { try stale.write(update) }
        #expect(error?.code == .leaseLost)
        #expect(try store.job(job.id)?.worker == "w2", "the record is the new owner's")
        try fresh.write(takenOver)
        fresh.release()
    }

    @Test("cancel: a queued job at once; a held job by request; finished jobs refuse; retry re-queues")
    func adminRequests() throws {
        let store = try makeStore()
        let jobs = try store.submit([spec("a"), spec("b")], plan: "p", maxAttempts: [3, 3])
        let cancelled = try store.cancel(jobs[0].id)
        #expect(cancelled.state == .cancelled)
        #expect(try store.summaries().first { $0.id == jobs[0].id }?.state == .cancelled)
        let finished = #expect(throws: JobStoreError.self) { try store.cancel(jobs[0].id) }
        #expect(finished?.code == .invalidState)

        let (lease, running) = try #require(try store.claim(worker: "w", scheduler: JobScheduler(limits: JobLimits()), leaseDuration: .seconds(30)))
        #expect(running.id == jobs[1].id)
        let requested = try store.cancel(running.id)
        #expect(requested.state == .running, "the worker holds it; it only gets a request")
        #expect(try store.cancelRequested(running.id))
        let busy = #expect(throws: JobStoreError.self) { try store.retry(running.id) }
        #expect(busy?.code == .invalidState)
        lease.release()

        let retried = try store.retry(jobs[0].id)
        #expect(retried.state == .queued)
        #expect(retried.attempts == 0)
        let unknown = #expect(throws: JobStoreError.self) { try store.retry("0123-abcd") }
        #expect(unknown?.code == .unknownJob)
        #expect(try store.job("../../etc/passwd") == nil, "ids never reach object names unchecked")
    }
}
