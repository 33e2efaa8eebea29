import BlockingCalls
import Foundation
import Logging

/// A worker process's job loop: `slots` jobs at once, each claimed from the shared queue,
/// run, and recorded. Cancelling the task that runs `run()` (SIGTERM in `ferry serve` and
/// `ferry worker`) drains: running imports stop at a checkpoint, their jobs go back to the
/// queue and their leases are released, so another worker continues them at once.
public final class JobWorker: Sendable {
    public let store: JobStore
    public let environment: JobEnvironment
    public let scheduler: JobScheduler
    public let slots: Int
    /// `host:pid`, shown in job records and logs.
    public let name: String
    public let pollInterval: Duration
    let logger: Logger
    let onImported: @Sendable (UInt64) -> Void

    public init(
        store: JobStore, environment: JobEnvironment, scheduler: JobScheduler, slots: Int, name: String = JobWorker.defaultName,
        pollInterval: Duration = .seconds(2), logger: Logger = Logger(label: "ferry.worker"),
        onImported: @escaping @Sendable (UInt64) -> Void = { _ in }
    ) {
        self.store = store
        self.environment = environment
        self.scheduler = scheduler
        self.slots = max(1, slots)
        self.name = name
        self.pollInterval = pollInterval
        self.logger = logger
        self.onImported = onImported
    }

    public static var defaultName: String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Runs until cancelled; or, with `until`, until it returns true (checked between jobs).
    public func run(until finished: (@Sendable () throws -> Bool)? = nil) async {
        logger.info("worker \(name) started with \(slots) slot(s)")
        await withTaskGroup(of: Void.self) { group in
            for slot in 0..<slots {
                group.addTask { await self.slotLoop(slot, until: finished) }
            }
        }
        logger.info("worker \(name) stopped")
    }

    private func slotLoop(_ slot: Int, until finished: (@Sendable () throws -> Bool)?) async {
        while !Task.isCancelled {
            if let finished, await OffPool.run({ (try? finished()) == true }) { return }
            let attempt: ClaimAttempt
            do {
                attempt = try await OffPool.run {
                    try self.store.attemptClaim(
                        worker: self.name, scheduler: self.scheduler, leaseDuration: self.environment.leaseDuration)
                }
            } catch {
                logger.error("cannot claim a job: \(error)")
                attempt = .nothingRunnable
            }
            guard case .claimed(let lease, let job) = attempt else {
                if case .schedulerBusy = attempt {
                    // Someone else is choosing, for milliseconds. Waiting a poll interval here
                    // left half the slots of two workers idle with 100 jobs queued (load test).
                    try? await Task.sleep(for: min(pollInterval, .milliseconds(Int.random(in: 20...200))))
                } else {
                    // Idle slots poll with jitter so workers on several hosts do not collide.
                    try? await Task.sleep(for: pollInterval + .milliseconds(Int.random(in: 0...500)))
                }
                continue
            }
            logger.info("slot \(slot) runs job \(job.id) (\(job.spec.displayName))")
            let runner = JobRunner(
                lease: lease, job: job, environment: environment, scheduler: scheduler, logger: logger,
                onImported: onImported)
            _ = await runner.run()
        }
    }
}
