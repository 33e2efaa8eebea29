import Ceph
import Foundation

/// What one attempt to claim a job came to.
public enum ClaimAttempt: Sendable {
    case claimed(JobLease, Job)
    /// No job may start now: none queued, backoffs pending, or limits reached.
    case nothingRunnable
    /// Another worker, or another slot of this one, holds the scheduler lock for the few
    /// milliseconds of its own claim: try again shortly, not after a whole poll interval.
    case schedulerBusy
}

extension JobStore {
    /// Claims the next runnable job for a worker, or returns nil when there is none or
    /// another worker is choosing right now (`attemptClaim` tells the two apart).
    public func claim(worker: String, scheduler: JobScheduler, leaseDuration: Duration) throws -> (JobLease, Job)? {
        guard case .claimed(let lease, let job) = try attemptClaim(
            worker: worker, scheduler: scheduler, leaseDuration: leaseDuration)
        else { return nil }
        return (lease, job)
    }

    /// Claims the next runnable job for a worker.
    ///
    /// Choosing happens under the scheduler lock, so two workers never count the same free
    /// slot; the job itself is then taken with its own lease lock, which is what really
    /// guarantees that no job runs twice at once.
    public func attemptClaim(worker: String, scheduler: JobScheduler, leaseDuration: Duration) throws -> ClaimAttempt {
        let cookie = "\(worker):\(UInt32.random(in: 0...UInt32.max))"
        guard try context.lockExclusive(
            Self.indexObject, lock: Self.schedulerLock, cookie: cookie, description: "ferry scheduler",
            duration: .seconds(15))
        else { return .schedulerBusy }
        defer { _ = try? context.unlock(Self.indexObject, lock: Self.schedulerLock, cookie: cookie) }

        let summaries = try summaries()
        var held = try heldJobs(summaries)
        var skipped: Set<String> = []
        while let pick = scheduler.next(from: summaries.filter { !skipped.contains($0.id) }, held: held) {
            skipped.insert(pick.id)
            let object = Self.object(for: pick.id)
            guard try context.lockExclusive(
                object, lock: Self.leaseLock, cookie: cookie, description: "ferry worker \(worker)", duration: leaseDuration)
            else {
                held.insert(pick.id)
                continue
            }
            let lease = JobLease(store: self, id: pick.id, cookie: cookie, duration: leaseDuration)
            guard var job = try job(pick.id), job.state == .queued || job.state == .running else {
                // The index was behind the record (a finished job); bring it up to date.
                if let job = try job(pick.id) { try writeIndex(job) }
                lease.release()
                continue
            }
            job.claim(by: worker)
            return .claimed(lease, try writeRecord(job, ownership: .takenBy(cookie)))
        }
        return .nothingRunnable
    }

    /// Ids of running jobs whose lease is held right now.
    public func heldJobs(_ summaries: [JobSummary]) throws -> Set<String> {
        var held: Set<String> = []
        for summary in summaries where summary.state == .running {
            if try !context.lockers(Self.object(for: summary.id), lock: Self.leaseLock).isEmpty {
                held.insert(summary.id)
            }
        }
        return held
    }
}
