import Ceph
import Foundation
import Logging
import VSphere

/// What `ferry serve`, `ferry worker` and `ferry run` share: the cluster connection, the
/// queue, and a worker configured from the service configuration.
public struct ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let cluster: RadosCluster
    public let store: JobStore

    /// Connects to the cluster and opens the queue.
    /// - Parameter fallback: Ceph options from the command line / environment, used where
    ///   the configuration file says nothing.
    public init(configuration: ServiceConfiguration, fallback: ClusterConfiguration, logger: Logger = Logger(label: "ferry")) throws {
        self.configuration = configuration
        // vSphere endpoints are known to the process before any job names one; their
        // passwords are read now, so a missing file stops the service at start, not mid-wave.
        for settings in configuration.vsphere {
            let (endpoint, warnings) = try settings.resolve()
            for warning in warnings { logger.warning("\(warning)") }
            VSphereSessions.shared.configure(endpoint)
        }
        cluster = try RadosCluster(configuration: configuration.clusterConfiguration(fallback: fallback))
        store = try JobStore(cluster: cluster, pool: configuration.queue.pool, namespace: configuration.queue.namespace)
    }

    /// A worker for this host, with one import window (memory and bandwidth budget) for all its jobs.
    public func worker(
        logger: Logger = Logger(label: "ferry.worker"),
        onImported: @escaping @Sendable (UInt64) -> Void = { _ in }
    ) throws -> JobWorker {
        let workers = configuration.workers
        // Sized for the cluster's default objects; a job asking for larger ones gets a window
        // of its own with the same budget (ImportWindow.serving), never a failure mid-import.
        let window = ImportWindow.sized(
            serving: [1 << UInt64(try cluster.defaultImageOrder())],
            buffers: workers.writeWindow + (workers.readers ?? ImportOptions.defaultReaders),
            maxBytesPerSecond: configuration.limits.maxMiBPerSecond.map { UInt64($0) << 20 })
        let environment = JobEnvironment(
            cluster: cluster, inventory: try configuration.inventory(),
            datastores: configuration.datastoreMap, window: window,
            readers: workers.readers,
            leaseDuration: .seconds(workers.leaseSeconds), retryBackoff: .seconds(workers.retryBackoffSeconds))
        return JobWorker(
            store: store, environment: environment, scheduler: configuration.scheduler, slots: workers.slots,
            pollInterval: .milliseconds(Int(workers.pollSeconds * 1000)), logger: logger, onImported: onImported)
    }

    /// Parses a plan and queues one job per VM.
    /// - Parameter source: the plan's file name, or how it arrived ("plan from API").
    public func submit(planText: String, source: String) throws -> [Job] {
        let plan = try MigrationPlan(yaml: planText, source: source)
        return try submit(plan)
    }

    public func submit(_ plan: MigrationPlan) throws -> [Job] {
        try store.submit(plan, configuration: configuration)
    }
}
