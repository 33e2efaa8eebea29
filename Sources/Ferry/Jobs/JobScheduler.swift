import Foundation

/// Limits on how many jobs run at once, counted across every worker on every host.
public struct JobLimits: Sendable, Hashable, Codable {
    /// Jobs running in the whole cluster.
    public var maxRunning: Int?
    /// Jobs running per KVM node (for jobs whose node is known: fixed in the plan, or chosen).
    public var perNode: Int?
    /// Jobs reading from one datastore (or source folder) at once.
    public var perDatastore: Int?
    /// Jobs reading from one ESXi host or vCenter at once, across every worker: each job
    /// opens several connections, and hostd slows every VM on a host it serves too many.
    public var perSourceHost: Int?

    public init(maxRunning: Int? = nil, perNode: Int? = nil, perDatastore: Int? = nil, perSourceHost: Int? = nil) {
        self.maxRunning = maxRunning
        self.perNode = perNode
        self.perDatastore = perDatastore
        self.perSourceHost = perSourceHost
    }
}

/// Chooses the next job to claim from the index: the highest priority, then the oldest,
/// among queued jobs whose backoff has passed and running jobs whose worker's lease lapsed
/// (those resume from their checkpoints), without exceeding the limits.
public struct JobScheduler: Sendable {
    public var limits: JobLimits

    public init(limits: JobLimits) {
        self.limits = limits
    }

    /// - Parameters:
    ///   - summaries: the index.
    ///   - held: ids of running jobs whose lease is held right now.
    public func next(from summaries: [JobSummary], held: Set<String>, now: Date = Date()) -> JobSummary? {
        let running = summaries.filter { $0.state == .running && held.contains($0.id) }
        if let maxRunning = limits.maxRunning, running.count >= maxRunning { return nil }
        let perNode = Dictionary(grouping: running.compactMap(\.node), by: { $0 }).mapValues(\.count)
        let perDatastore = Dictionary(grouping: running.map(\.datastore), by: { $0 }).mapValues(\.count)
        let perSourceHost = Dictionary(grouping: running.compactMap(\.sourceHost), by: { $0 }).mapValues(\.count)
        let candidates = summaries.filter { summary in
            switch summary.state {
            case .queued: (summary.notBefore ?? .distantPast) <= now
            case .running: !held.contains(summary.id)
            default: false
            }
        }
        return candidates
            .filter { summary in
                if let limit = limits.perNode, let node = summary.node, perNode[node, default: 0] >= limit { return false }
                if let limit = limits.perDatastore, perDatastore[summary.datastore, default: 0] >= limit { return false }
                if let limit = limits.perSourceHost, let host = summary.sourceHost,
                    perSourceHost[host, default: 0] >= limit
                { return false }
                return true
            }
            .min { left, right in
                // Orphaned running jobs first: their images are half written.
                if (left.state == .running) != (right.state == .running) { return left.state == .running }
                if left.priority != right.priority { return left.priority > right.priority }
                return left.id < right.id
            }
    }

    /// Nodes at their per-node limit, which automatic placement must avoid.
    public func fullNodes(in summaries: [JobSummary], held: Set<String>) -> Set<String> {
        guard let limit = limits.perNode else { return [] }
        let running = summaries.filter { $0.state == .running && held.contains($0.id) }
        let counts = Dictionary(grouping: running.compactMap(\.node), by: { $0 }).mapValues(\.count)
        return Set(counts.filter { $0.value >= limit }.keys)
    }
}
