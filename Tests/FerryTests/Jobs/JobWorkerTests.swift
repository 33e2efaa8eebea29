import Ceph
import Ferry
import Foundation
import Testing
import TestSupport

/// The worker's claim loop, in process against the real queue.
@Suite("job worker")
struct JobWorkerTests {
    @Test("a slot that finds the scheduler lock taken tries again in moments, not after a poll interval")
    func busySchedulerIsRetriedSoon() async throws {
        let cluster = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
        let store = try JobStore(cluster: cluster, pool: TestEnvironment.pool, namespace: TestEnvironment.uniqueName("worker"))
        // A missing source fails at inspect: the job ends without touching RBD or libvirt.
        let job = try store.submit(
            [JobSpec(source: "/nowhere/busy.vmx", name: "busy", pool: "rbd", priority: 50, datastore: "/nowhere")],
            plan: "p", maxAttempts: [1])[0]
        defer {
            try? store.purge(job.id)
            try? store.context.removeObject(JobStore.indexObject)
        }
        // Another worker in the middle of its claim: the lock of the queue's RADOS layout.
        let scheduler = JobScheduler(limits: JobLimits())
        let lock = "ferry.scheduler"
        #expect(try store.context.lockExclusive(JobStore.indexObject, lock: lock, cookie: "other", duration: .seconds(15)))
        let attempt = try store.attemptClaim(worker: "w", scheduler: scheduler, leaseDuration: .seconds(30))
        guard case .schedulerBusy = attempt else {
            Issue.record("a held scheduler lock is not told apart from an empty queue: \(attempt)")
            return
        }

        // A poll interval far longer than the test: only a prompt retry gets the job done.
        let worker = JobWorker(
            store: store,
            environment: JobEnvironment(cluster: cluster, inventory: try .thisHost(), window: ImportWindow.sized(serving: [4 << 20], buffers: 1)),
            scheduler: scheduler, slots: 1, pollInterval: .seconds(300))
        let run = Task { await worker.run(until: { try store.job(job.id)?.state.isFinal == true }) }
        defer { run.cancel() }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try store.context.unlock(JobStore.indexObject, lock: lock, cookie: "other"))
        var record = try store.job(job.id)
        for _ in 0..<100 where record?.state.isFinal != true {
            try await Task.sleep(for: .milliseconds(200))
            record = try store.job(job.id)
        }
        #expect(record?.state == .failed, "the job was claimed and ran (and failed at inspect) within 20 s: \(String(describing: record?.log))")
        #expect(record?.attempts == 1)
        // The job's error is the text an admin reads in `ferry jobs`: the errno's words, not
        // Foundation's "The operation could not be completed" (issue 13).
        let error = record?.error ?? ""
        #expect(error.hasPrefix("/nowhere/busy.vmx: ") && error.hasSuffix(": No such file or directory (ENOENT)"), "\(error)")
        #expect(!error.contains("operation could not be completed"), "\(error)")
    }
}
