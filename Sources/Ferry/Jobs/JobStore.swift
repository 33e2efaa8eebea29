import Ceph
import Foundation

/// The job queue, kept in RADOS so every importer host shares it and a crash loses nothing.
///
/// Layout in the queue's pool and namespace:
/// - `ferry.jobs` — the index: one omap entry per job id, holding its `JobSummary` (what
///   scheduling, lists and progress bars need without reading every job).
/// - `ferry.job.<id>` — the full `Job` record as JSON; its `ferry.owner` attribute names the
///   lease holder, and its omap key `cancel-requested` carries an admin's cancel request.
/// - Lock `ferry.lease` on a job object: the worker running the job holds it with a duration
///   and renews it; when the worker dies the lease lapses and another worker takes the job over.
/// - Lock `ferry.scheduler` on the index: held for the moment of choosing and claiming a job,
///   so cluster-wide limits hold across workers on different hosts.
///
/// Job records are written only by whoever holds the job's lease, and every such write is
/// guarded by the owner attribute, so a worker that lost its lease cannot overwrite the
/// record of the worker that took over. The index follows each record write; it is a cache
/// of the records, never the other way round.
public final class JobStore: Sendable {
    public static let indexObject = "ferry.jobs"
    static let leaseLock = "ferry.lease"
    static let schedulerLock = "ferry.scheduler"
    static let ownerAttribute = "ferry.owner"
    static let cancelKey = "cancel-requested"

    public let context: IOContext

    public init(context: IOContext) {
        self.context = context
    }

    /// Opens the queue in `pool` / `namespace` (RADOS namespaces need no creation).
    public convenience init(cluster: RadosCluster, pool: String, namespace: String) throws(CephError) {
        self.init(context: try cluster.ioContext(pool: pool, namespace: namespace))
    }

    static func object(for id: String) -> String { "ferry.job.\(id)" }

    // MARK: Submitting

    /// Adds one queued job per spec; each record is created exclusively, so ids never collide.
    public func submit(_ specs: [JobSpec], plan: String, maxAttempts: [Int]) throws -> [Job] {
        let now = Date()
        let stamp = Self.idStamp(now)
        var jobs: [Job] = []
        for (index, spec) in specs.enumerated() {
            let id = "\(stamp)-\(String(format: "%03d", index % 1000))-\(Self.randomSuffix())"
            let job = Job(id: id, plan: plan, spec: spec, maxAttempts: maxAttempts[index], now: now)
            jobs.append(try writeRecord(job, ownership: .created))
        }
        return jobs
    }

    /// `20261126-171503`: ids sort by submission time.
    private static func idStamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02d-%02d%02d%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!,
            parts.second!)
    }

    private static func randomSuffix() -> String {
        String(format: "%08x", UInt32.random(in: 0...UInt32.max))
    }

    // MARK: Reading

    /// Every job's index entry, oldest first.
    public func summaries() throws -> [JobSummary] {
        try context.omapEntries(of: Self.indexObject).map {
            try JobCoding.decode(JobSummary.self, from: $0.value, what: "index entry \($0.key)")
        }
    }

    /// The full record, or nil for an unknown id.
    public func job(_ id: String) throws -> Job? {
        guard Self.isValidID(id), let bytes = try context.readObject(Self.object(for: id)) else { return nil }
        return try JobCoding.decode(Job.self, from: bytes, what: "job \(id)")
    }

    /// Whether an admin asked to cancel the job.
    public func cancelRequested(_ id: String) throws -> Bool {
        try !context.omapEntries(of: Self.object(for: id), prefix: Self.cancelKey).isEmpty
    }

    /// Ids are ours (`[0-9a-f-]`); anything else is refused before it reaches an object name.
    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isHexDigit || $0 == "-") }
    }

    // MARK: Admin requests

    /// Cancels a job. A queued job (or one whose worker died) is cancelled at once; a running
    /// one gets a cancel request that its worker acts on within a lease renewal.
    /// - Returns: the job as it stands after the request.
    public func cancel(_ id: String) throws -> Job {
        guard let job = try job(id) else { throw JobStoreError(.unknownJob, "no job \(id)") }
        if job.state.isFinal {
            throw JobStoreError(.invalidState, "job \(id) is already \(job.state.rawValue)")
        }
        if let updated = try withAdminLease(id, { job -> Job? in
            guard !job.state.isFinal else { return nil }
            var job = job
            job.cancelByAdmin()
            return job
        }) {
            return updated
        }
        // A worker holds the lease: leave it a request it sees at its next renewal.
        try context.setOmap([(key: Self.cancelKey, value: Array(JobCoding.format(Date()).utf8))], on: Self.object(for: id))
        return try self.job(id) ?? job
    }

    /// Queues a failed or cancelled job again, with a fresh set of attempts. Its images keep
    /// their checkpoints, so the import resumes where it stopped.
    public func retry(_ id: String) throws -> Job {
        guard let current = try job(id) else { throw JobStoreError(.unknownJob, "no job \(id)") }
        guard current.state == .failed || current.state == .cancelled else {
            throw JobStoreError(.invalidState, "job \(id) is \(current.state.rawValue); only failed or cancelled jobs can be retried")
        }
        guard let updated = try withAdminLease(id, { job -> Job? in
            guard job.state == .failed || job.state == .cancelled else { return nil }
            var job = job
            job.requeueByAdmin()
            return job
        }) else {
            throw JobStoreError(.busy, "job \(id) is held by a worker right now; try again in a moment")
        }
        return updated
    }

    /// Takes the job's lease briefly as an admin and applies `change`; nil when a worker holds
    /// the lease (or `change` declines).
    private func withAdminLease(_ id: String, _ change: (Job) throws -> Job?) throws -> Job? {
        let object = Self.object(for: id)
        let cookie = "admin-\(Self.randomSuffix())"
        guard try context.lockExclusive(object, lock: Self.leaseLock, cookie: cookie, description: "ferry admin", duration: .seconds(30)) else {
            return nil
        }
        defer { _ = try? context.unlock(object, lock: Self.leaseLock, cookie: cookie) }
        guard let job = try job(id), let updated = try change(job) else { return nil }
        return try writeRecord(updated, ownership: .takenBy(cookie), clearCancel: true)
    }

    /// Removes finished jobs' records and index entries (not their images).
    public func purge(_ id: String) throws {
        guard let job = try job(id) else { throw JobStoreError(.unknownJob, "no job \(id)") }
        guard job.state.isFinal else { throw JobStoreError(.invalidState, "job \(id) is \(job.state.rawValue); cancel it first") }
        var remove = RadosWrite()
        remove.removeOmapKeys([id])
        try context.perform(remove, on: Self.indexObject)
        try context.removeObject(Self.object(for: id))
    }

    /// Who may write a job record, checked or set in the same atomic operation as the write.
    enum Ownership {
        /// A new record (fails if the id exists); nobody owns it yet.
        case created
        /// The writer holds the lease lock just taken and becomes the owner.
        case takenBy(String)
        /// The writer must still be the owner (a worker's lease cookie).
        case heldBy(String)
    }

    /// Writes a job record and then its index entry: the one way records are written.
    /// - Parameter clearCancel: also drop a pending cancel request (it was acted on).
    /// - Returns: the record as written (with its new `updatedAt`).
    /// - Throws: `CephError` `.conditionFailed` when `.heldBy` no longer owns the job.
    @discardableResult
    func writeRecord(_ job: Job, ownership: Ownership, clearCancel: Bool = false) throws -> Job {
        var job = job
        var write = RadosWrite()
        switch ownership {
        case .created:
            write.createExclusive()
            write.setAttribute(Self.ownerAttribute, to: [])
        case .takenBy(let cookie):
            job.updatedAt = Date()
            write.setAttribute(Self.ownerAttribute, to: Array(cookie.utf8))
        case .heldBy(let cookie):
            job.updatedAt = Date()
            write.requireAttribute(Self.ownerAttribute, equals: Array(cookie.utf8))
        }
        write.writeFull(JobCoding.encode(job))
        if clearCancel { write.removeOmapKeys([Self.cancelKey]) }
        try context.perform(write, on: Self.object(for: job.id))
        try writeIndex(job)
        return job
    }

    func writeIndex(_ job: Job) throws {
        try context.setOmap([(key: job.id, value: JobCoding.encode(job.summary))], on: Self.indexObject)
    }
}
