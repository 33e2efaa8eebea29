import Ceph
import VMDK
import VMwareConfig

/// What a worker host brings to every job it runs: its cluster connection, the nodes, how
/// local paths map, and the host-wide import budget shared by all its running jobs.
public struct JobEnvironment: Sendable {
    public var cluster: RadosCluster
    public var inventory: NodeInventory
    public var datastores: DatastoreMap
    public var openOptions: OpenOptions
    /// One window for every import on this host: its buffers bound memory and its rate
    /// limiter is the host's bandwidth cap.
    public var window: ImportWindow
    /// Readers per import; nil: `ImportOptions.defaultReaders(for:)` each job's source.
    public var readers: Int?
    /// How long a claim lasts without renewal; renewed every third of it.
    public var leaseDuration: Duration
    /// First retry delay for transient failures; doubled per attempt, at most 30 minutes.
    public var retryBackoff: Duration

    public init(
        cluster: RadosCluster, inventory: NodeInventory, datastores: DatastoreMap = DatastoreMap(),
        openOptions: OpenOptions = .init(), window: ImportWindow, readers: Int? = nil,
        leaseDuration: Duration = .seconds(30), retryBackoff: Duration = .seconds(30)
    ) {
        self.cluster = cluster
        self.inventory = inventory
        self.datastores = datastores
        self.openOptions = openOptions
        self.window = window
        self.readers = readers
        self.leaseDuration = leaseDuration
        self.retryBackoff = retryBackoff
    }

    /// The delay before attempt `attempt + 1` after a transient failure.
    func backoff(afterAttempt attempt: Int) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 10)
        return min(retryBackoff * factor, .seconds(1800))
    }
}
