import Libvirt

/// Picks the node a migrated domain is defined on.
///
/// Either the user names a node, or Ferry takes the reachable node with the most memory
/// left that can hold the VM plus a reserve for the host (QEMU overhead, page cache, Ceph
/// client buffers). Memory left is the node's free memory minus the maximum memory of its
/// defined domains that are not running: Ferry defines domains without starting them, so
/// free memory alone would send a whole wave of migrated VMs to the same node. (Running
/// domains already hold their memory, which free memory accounts for.) Nodes are asked one
/// after another; a node that cannot be reached is skipped with a note, never fatal,
/// because one node down must not stop migrations to the others.
public struct Placement: Sendable {
    /// Opens a connection to a node; tests substitute one that reuses a local libvirtd
    /// under several node names.
    public typealias Connector = @Sendable (ClusterNode) throws -> Hypervisor

    public var inventory: NodeInventory
    /// Memory kept free on a node beyond the VM's own; 1 GiB by default.
    public var reserveBytes: UInt64
    public var connect: Connector

    public init(
        inventory: NodeInventory, reserveBytes: UInt64 = 1 << 30,
        connect: @escaping Connector = { try Hypervisor(uri: $0.uri) }
    ) {
        self.inventory = inventory
        self.reserveBytes = reserveBytes
        self.connect = connect
    }

    /// The chosen node with its open connection.
    public struct Decision: Sendable {
        public var node: ClusterNode
        public var hypervisor: Hypervisor
        /// Free memory the node reported when it was chosen.
        public var freeMemoryBytes: UInt64
        /// Maximum memory of the node's defined domains that were not running.
        public var promisedMemoryBytes: UInt64
        /// Skipped nodes and every node's memory, or a warning that the named node looks too small.
        public var notes: [String]

        /// Free memory not promised to stopped domains.
        public var availableMemoryBytes: UInt64 {
            freeMemoryBytes > promisedMemoryBytes ? freeMemoryBytes - promisedMemoryBytes : 0
        }
    }

    /// - Parameters:
    ///   - node: the node `--node` named, or nil to choose automatically.
    ///   - domainName: a stopped domain the migration will replace; its memory is not
    ///     counted as promised, since the new definition takes its place.
    /// - Throws: `MigrationError` `.unknownNode`; `.libvirt` when the named node cannot be
    ///   reached; `.noNodeFits` listing every node's free and promised memory (or why it was
    ///   skipped).
    public func choose(node name: String?, memoryMiB: Int, replacing domainName: String? = nil)
        throws(MigrationError) -> Decision
    {
        let needed = UInt64(max(memoryMiB, 0)) << 20
        if let name {
            return try named(name, needed: needed, replacing: domainName)
        }
        var notes: [String] = []
        var report: [String] = []
        var best: Decision?
        for node in inventory.nodes {
            let candidate: Decision
            do {
                candidate = try measure(node, replacing: domainName)
            } catch {
                notes.append("node \(node.name) (\(node.uri)) skipped: \(error)")
                report.append("\(node.name): unreachable")
                continue
            }
            report.append("\(node.name): \(Self.describe(candidate))")
            guard candidate.availableMemoryBytes >= needed + reserveBytes else { continue }
            if best == nil || candidate.availableMemoryBytes > best!.availableMemoryBytes {
                best = candidate
            }
        }
        guard var best else {
            throw MigrationError(
                code: .noNodeFits,
                message: "no node has \(Self.mebibytes(needed + reserveBytes)) left "
                    + "(\(Self.mebibytes(needed)) for the VM + \(Self.mebibytes(reserveBytes)) reserve) after the "
                    + "memory promised to its defined domains that are not running: "
                    + report.joined(separator: "; "))
        }
        best.notes = notes + ["memory per node (free, promised to stopped domains): " + report.joined(separator: "; ")]
        return best
    }

    private func named(_ name: String, needed: UInt64, replacing domainName: String?) throws(MigrationError)
        -> Decision
    {
        let node = try inventory.node(named: name)
        var decision: Decision
        do {
            decision = try measure(node, replacing: domainName)
        } catch {
            throw MigrationError(code: .libvirt, message: "cannot reach node \(name) (\(node.uri))", cause: error)
        }
        // The domain is only defined, not necessarily started, so a full node is a
        // warning here; libvirt refuses the start itself if memory really runs out.
        if decision.availableMemoryBytes < needed + reserveBytes {
            decision.notes.append(
                "node \(name) has \(Self.describe(decision)), less than the VM's \(Self.mebibytes(needed)) "
                    + "+ \(Self.mebibytes(reserveBytes)) reserve")
        }
        return decision
    }

    /// Connects to `node` and reads its free memory and what its stopped domains would
    /// claim (`virConnectListAllDomains`, `virDomainGetMaxMemory`).
    private func measure(_ node: ClusterNode, replacing domainName: String?) throws -> Decision {
        let hypervisor = try connect(node)
        var promised: UInt64 = 0
        for domain in try hypervisor.allDomains(.inactive) where domain.name != domainName {
            do {
                promised += try domain.maxMemoryBytes()
            } catch {
                // Undefined since it was listed: it promises nothing any more.
                guard error.code == .notFound else { throw error }
            }
        }
        let free = try hypervisor.nodeInfo().freeMemoryBytes
        return Decision(
            node: node, hypervisor: hypervisor, freeMemoryBytes: free, promisedMemoryBytes: promised, notes: [])
    }

    private static func describe(_ decision: Decision) -> String {
        "\(mebibytes(decision.freeMemoryBytes)) free, \(mebibytes(decision.promisedMemoryBytes)) promised"
    }

    static func mebibytes(_ bytes: UInt64) -> String { "\(bytes >> 20) MiB" }
}
