import Ferry
import Logging
import ServiceLifecycle
import UnixSignals

/// The job worker as a service: graceful shutdown cancels its task, which is what makes
/// `JobWorker.run()` drain (imports stop at a checkpoint, jobs go back to the queue, leases
/// are released). With `until`, the service returns once that is true, which ends its group.
public struct WorkerService: Service {
    let worker: JobWorker
    let finished: (@Sendable () throws -> Bool)?

    public init(worker: JobWorker, until finished: (@Sendable () throws -> Bool)? = nil) {
        self.worker = worker
        self.finished = finished
    }

    public func run() async throws {
        let (worker, finished) = (worker, finished)
        await cancelWhenGracefulShutdown { await worker.run(until: finished) }
    }

    /// Runs the worker alone in a ServiceGroup (`ferry worker`, `ferry run`), shut down
    /// gracefully by SIGTERM or SIGINT like `ferry serve`.
    /// - Throws: what the group throws (the worker itself throws nothing).
    public func runUntilSignalled(logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    // Returning is how `ferry run` ends, not a failure of the group.
                    .init(service: self, successTerminationBehavior: .gracefullyShutdownGroup)
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
