/// What the API's request handlers do with the job queue: submit, read, cancel, retry.
///
/// `JobStore` (RADOS) is the queue every process shares; the server reaches it only through
/// this protocol so its routes can also be tested in process against a queue in memory.
/// The calls are synchronous like `JobStore`'s: callers on the cooperative pool move them
/// off it (the server's `QueueAccess`).
public protocol JobQueue: Sendable {
    /// Adds one queued job per spec. - Throws: what writing the records throws.
    func submit(_ specs: [JobSpec], plan: String, maxAttempts: [Int]) throws -> [Job]
    /// Every job's summary, oldest first.
    func summaries() throws -> [JobSummary]
    /// The full record, or nil for an unknown id.
    func job(_ id: String) throws -> Job?
    /// - Throws: `JobStoreError` `.unknownJob`, `.invalidState` for a finished job.
    func cancel(_ id: String) throws -> Job
    /// - Throws: `JobStoreError` `.unknownJob`, `.invalidState` unless failed or cancelled,
    ///   `.busy` while a worker holds the job.
    func retry(_ id: String) throws -> Job
}

extension JobStore: JobQueue {}

extension JobQueue {
    /// Queues one job per VM of `plan`, with the service's defaults applied.
    /// - Throws: `PlanError` for a plan the configuration cannot run; what `submit` throws.
    public func submit(_ plan: MigrationPlan, configuration: ServiceConfiguration) throws -> [Job] {
        let specs = try plan.jobSpecs(configuration: configuration)
        return try submit(specs.map(\.spec), plan: plan.name, maxAttempts: specs.map(\.maxAttempts))
    }
}
