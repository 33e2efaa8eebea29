import Foundation

/// Where a job is in its life. Only `queued` and `running` jobs are picked up by workers.
public enum JobState: String, Codable, Sendable, CaseIterable {
    case queued, running, done, failed, cancelled

    /// No worker will touch the job again unless an admin retries it.
    public var isFinal: Bool { self == .done || self == .failed || self == .cancelled }
}

/// The steps of one VM's migration, in order.
public enum JobStep: String, Codable, Sendable, CaseIterable {
    case inspect, importDisks = "import", verify, register, start
}

/// One disk of a job: where it comes from, where it goes, and how far it got.
public struct JobDisk: Codable, Sendable, Hashable {
    public var slot: String
    public var source: String
    /// `pool[/namespace]/image`.
    public var image: String
    public var totalBytes: UInt64
    public var doneBytes: UInt64
    public var bytesPerSecond: Double
    public var verified: Bool

    public init(slot: String, source: String, image: String) {
        self.slot = slot
        self.source = source
        self.image = image
        totalBytes = 0
        doneBytes = 0
        bytesPerSecond = 0
        verified = false
    }
}

/// One line of a job's log, kept in the job record (the last `Job.logLimit` lines).
public struct JobLogEntry: Codable, Sendable, Hashable {
    public var time: Date
    public var message: String

    public init(time: Date = Date(), message: String) {
        self.time = time
        self.message = message
    }
}

/// One VM's migration as the queue keeps it: what to do (`spec`), where it stands, and its
/// history. Stored as JSON in its own RADOS object; only the worker holding the job's lease
/// writes it.
public struct Job: Codable, Sendable, Hashable {
    public static let logLimit = 200

    public var id: String
    /// The plan (wave) the job was submitted with.
    public var plan: String
    public var spec: JobSpec
    public var state: JobState
    /// The step running now, or the one that failed.
    public var step: JobStep?
    public var attempts: Int
    public var maxAttempts: Int
    /// One line saying what went wrong, for failed jobs and transient failures awaiting retry.
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// A queued job waits until then before it is tried again (retry backoff).
    public var notBefore: Date?
    /// `host:pid` of the worker that runs (or last ran) the job.
    public var worker: String?
    /// The node the domain goes to, once placement chose it.
    public var node: String?
    public var domain: String?
    /// Set once this job defined its domain: a later attempt may then redefine it (it is
    /// the job's own), where a foreign domain of the same name would be refused.
    public var registered: Bool = false
    public var disks: [JobDisk]
    public var log: [JobLogEntry]

    public init(id: String, plan: String, spec: JobSpec, maxAttempts: Int, now: Date = Date()) {
        self.id = id
        self.plan = plan
        self.spec = spec
        state = .queued
        attempts = 0
        self.maxAttempts = maxAttempts
        createdAt = now
        updatedAt = now
        node = spec.node
        disks = []
        log = [JobLogEntry(time: now, message: "queued from plan \(plan)")]
    }

    public var totalBytes: UInt64 { disks.reduce(0) { $0 + $1.totalBytes } }
    public var doneBytes: UInt64 { disks.reduce(0) { $0 + $1.doneBytes } }
    public var bytesPerSecond: Double { disks.reduce(0) { $0 + $1.bytesPerSecond } }

    /// Appends a log line, dropping the oldest beyond `logLimit`.
    public mutating func note(_ message: String, at time: Date = Date()) {
        log.append(JobLogEntry(time: time, message: message))
        if log.count > Self.logLimit { log.removeFirst(log.count - Self.logLimit) }
    }

    /// The index entry for this job.
    public var summary: JobSummary {
        JobSummary(
            id: id, plan: plan, name: spec.displayName, state: state, step: step, priority: spec.priority,
            node: node, datastore: spec.datastore, sourceHost: spec.sourceHost, attempts: attempts, error: error, notBefore: notBefore,
            updatedAt: updatedAt, totalBytes: totalBytes, doneBytes: doneBytes, bytesPerSecond: bytesPerSecond)
    }
}

/// What the queue's index holds per job: enough to schedule, list and draw progress bars
/// without reading every job object.
public struct JobSummary: Codable, Sendable, Hashable {
    public var id: String
    public var plan: String
    public var name: String
    public var state: JobState
    public var step: JobStep?
    public var priority: Int
    public var node: String?
    public var datastore: String
    /// The ESXi host or vCenter a vSphere source is read from.
    public var sourceHost: String?
    public var attempts: Int
    public var error: String?
    public var notBefore: Date?
    public var updatedAt: Date
    public var totalBytes: UInt64
    public var doneBytes: UInt64
    public var bytesPerSecond: Double

    public init(
        id: String, plan: String, name: String, state: JobState, step: JobStep?, priority: Int, node: String?,
        datastore: String, sourceHost: String? = nil, attempts: Int, error: String?, notBefore: Date?, updatedAt: Date, totalBytes: UInt64,
        doneBytes: UInt64, bytesPerSecond: Double
    ) {
        self.id = id
        self.plan = plan
        self.name = name
        self.state = state
        self.step = step
        self.priority = priority
        self.node = node
        self.datastore = datastore
        self.sourceHost = sourceHost
        self.attempts = attempts
        self.error = error
        self.notBefore = notBefore
        self.updatedAt = updatedAt
        self.totalBytes = totalBytes
        self.doneBytes = doneBytes
        self.bytesPerSecond = bytesPerSecond
    }
}
