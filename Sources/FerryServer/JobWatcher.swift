import Ferry
import Logging
import ServiceLifecycle
import Synchronization

/// Reads the queue's index once a second for everyone who follows jobs live: each event
/// stream compares the latest snapshot with what it has sent, so a hundred dashboards cost
/// one RADOS read a second, not a hundred. It also counts job errors for /metrics.
final class JobWatcher: Service, Sendable {
    struct Snapshot: Sendable {
        /// 0 until the first read; then one more per successful read.
        var generation: UInt64 = 0
        /// Oldest first (index order).
        var jobs: [JobSummary] = []
    }

    static let interval = Duration.seconds(1)

    private let queue: QueueAccess
    private let logger: Logger
    private let onJobError: @Sendable () -> Void
    private let latest = Mutex(Snapshot())

    /// - Parameter onJobError: called once per job attempt seen ending in an error.
    init(queue: QueueAccess, logger: Logger, onJobError: @escaping @Sendable () -> Void) {
        self.queue = queue
        self.logger = logger
        self.onJobError = onJobError
    }

    var snapshot: Snapshot { latest.withLock { $0 } }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                do {
                    let jobs = try await self.queue.run { try $0.summaries() }
                    self.publish(jobs)
                    if failing { self.logger.info("the job queue is readable again") }
                    failing = false
                } catch {
                    if !failing { self.logger.error("cannot read the job queue: \(error)") }
                    failing = true
                }
                try? await Task.sleep(for: Self.interval)
            }
        }
    }

    private func publish(_ jobs: [JobSummary]) {
        let errors = latest.withLock { snapshot -> Int in
            // The first read sees failures from before this process started: not counted.
            let errors = snapshot.generation == 0 ? 0 : Self.newErrors(from: snapshot.jobs, to: jobs)
            snapshot.generation += 1
            snapshot.jobs = jobs
            return errors
        }
        for _ in 0..<errors { onJobError() }
    }

    /// Attempts that ended in an error between two reads: a job now carrying an error that
    /// it did not carry before, or carries after another attempt or after becoming final.
    /// A job that failed within one poll interval of being queued is counted too.
    static func newErrors(from old: [JobSummary], to new: [JobSummary]) -> Int {
        let before = Dictionary(old.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        return new.count { job in
            guard job.error != nil, job.state != .running else { return false }
            guard let previous = before[job.id] else { return true }
            return previous.error == nil || previous.attempts != job.attempts
                || (previous.state != job.state && job.state == .failed)
        }
    }
}
