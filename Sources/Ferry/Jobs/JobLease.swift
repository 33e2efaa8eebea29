import Ceph
import Foundation

/// A worker's hold on one job: the `ferry.lease` lock on the job object plus the owner
/// attribute that fences every record write.
///
/// The lock has a duration and is renewed while the job runs; if the worker dies, it
/// lapses and another worker takes the job over (and resumes its imports from their
/// checkpoints). If this worker stalls past its lease and someone else took over, every
/// write below fails with `.leaseLost` and the worker stops.
public final class JobLease: Sendable {
    public let store: JobStore
    public let id: String
    /// Unique per claim: `host:pid:random`.
    public let cookie: String
    public let duration: Duration

    init(store: JobStore, id: String, cookie: String, duration: Duration) {
        self.store = store
        self.id = id
        self.cookie = cookie
        self.duration = duration
    }

    private var object: String { JobStore.object(for: id) }

    /// Extends the lease. - Returns: false when it was lost to another worker.
    public func renew() throws -> Bool {
        try store.context.lockExclusive(
            object, lock: JobStore.leaseLock, cookie: cookie, description: "ferry worker", duration: duration, renew: true)
    }

    /// Writes the record (and its index entry) if this lease still owns the job.
    /// - Parameter clearCancel: also drop a pending cancel request (the job acted on it).
    public func write(_ job: Job, clearCancel: Bool = false) throws {
        do {
            try store.writeRecord(job, ownership: .heldBy(cookie), clearCancel: clearCancel)
        } catch let error as CephError {
            guard error.code == .conditionFailed else { throw error }
            throw JobStoreError(.leaseLost, "job \(id) was taken over by another worker; this worker stops touching it")
        }
    }

    /// Gives the job back (`rados_unlock`); a lapsed lease is not an error.
    public func release() {
        _ = try? store.context.unlock(object, lock: JobStore.leaseLock, cookie: cookie)
    }
}
