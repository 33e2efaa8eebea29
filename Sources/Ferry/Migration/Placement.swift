import Libvirt

/// Picks the node a migrated domain is defined on.
///
/// Either the user names a node, or Ferry takes the reachable node with the most free memory
/// that can hold the VM plus a reserve for the host (QEMU overhead, page cache, Ceph client
/// buffers). Nodes are asked one after another; a node that cannot be reached is skipped
/// with a note, never fatal, because one node down must not stop migrations to the others.
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
        /// Skipped nodes, or a warning that the named node looks too small.
        public var notes: [String]
    }

    /// - Parameter node: the node `--node` named, or nil to choose automatically.
    /// - Throws: `MigrationError` `.unknownNode`; `.libvirt` when the named node cannot be
    ///   reached; `.noNodeFits` listing every node's free memory (or why it was skipped).
    public func choose(node name: String?, memoryMiB: Int) throws(MigrationError) -> Decision {
        let needed = UInt64(max(memoryMiB, 0)) << 20
        if let name {
            return try named(name, needed: needed)
        }
        var notes: [String] = []
        var report: [String] = []
        var best: (node: ClusterNode, hypervisor: Hypervisor, free: UInt64)?
        for node in inventory.nodes {
            let hypervisor: Hypervisor
            let free: UInt64
            do {
                hypervisor = try connect(node)
                free = try hypervisor.nodeInfo().freeMemoryBytes
            } catch {
                notes.append("node \(node.name) (\(node.uri)) skipped: \(error)")
                report.append("\(node.name): unreachable")
                continue
            }
            report.append("\(node.name): \(Self.mebibytes(free)) free")
            guard free >= needed + reserveBytes else { continue }
            if best == nil || free > best!.free {
                best = (node, hypervisor, free)
            }
        }
        guard let best else {
            throw MigrationError(
                code: .noNodeFits,
                message: "no node has \(Self.mebibytes(needed + reserveBytes)) free "
                    + "(\(Self.mebibytes(needed)) for the VM + \(Self.mebibytes(reserveBytes)) reserve): "
                    + report.joined(separator: ", "))
        }
        return Decision(node: best.node, hypervisor: best.hypervisor, freeMemoryBytes: best.free, notes: notes)
    }

    private func named(_ name: String, needed: UInt64) throws(MigrationError) -> Decision {
        let node = try inventory.node(named: name)
        do {
            let hypervisor = try connect(node)
            let free = try hypervisor.nodeInfo().freeMemoryBytes
            var notes: [String] = []
            // The domain is only defined, not necessarily started, so a full node is a
            // warning here; libvirt refuses the start itself if memory really runs out.
            if free < needed + reserveBytes {
                notes.append(
                    "node \(name) has \(Self.mebibytes(free)) free, less than the VM's \(Self.mebibytes(needed)) "
                        + "+ \(Self.mebibytes(reserveBytes)) reserve")
            }
            return Decision(node: node, hypervisor: hypervisor, freeMemoryBytes: free, notes: notes)
        } catch {
            throw MigrationError(code: .libvirt, message: "cannot reach node \(name) (\(node.uri))", cause: error)
        }
    }

    static func mebibytes(_ bytes: UInt64) -> String { "\(bytes >> 20) MiB" }
}
