import CLibvirt
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A connection to libvirtd on one node (`virConnectPtr`), e.g. `qemu:///system` or
/// `qemu+ssh://root@node2/system`.
///
/// libvirt connections are thread-safe. Every call is synchronous so that libvirt's
/// thread-local error is read on the thread that failed.
public final class Hypervisor: Sendable {
    public let uri: String
    private let handle: Mutex<virConnectPtr?>

    /// Opens a read-write connection (`virConnectOpen`).
    /// - Throws: `LibvirtError` `.connectionFailed` when libvirtd is not reachable.
    public init(uri: String) throws(LibvirtError) {
        LibvirtRuntime.ensureInitialized()
        self.uri = uri
        guard let connection = virConnectOpen(uri) else {
            throw LibvirtError.last(operation: "connect", uri: uri)
        }
        self.handle = Mutex(connection)
    }

    deinit {
        handle.withLock { connection in
            if let connection { virConnectClose(connection) }
        }
    }

    /// Closes the connection (`virConnectClose`). Idempotent.
    public func close() {
        handle.withLock { connection in
            if let open = connection { virConnectClose(open) }
            connection = nil
        }
    }

    func withConnection<T>(_ operation: String, _ body: (virConnectPtr) throws(LibvirtError) -> T)
        throws(LibvirtError) -> T
    {
        guard let connection = handle.withLock({ $0 }) else {
            throw LibvirtError(code: .connectionFailed, operation: operation, uri: uri, message: "connection closed")
        }
        return try body(connection)
    }

    /// Memory and CPUs of the node (`virNodeGetInfo`, `virNodeGetFreeMemory`).
    public func nodeInfo() throws(LibvirtError) -> NodeInfo {
        try withConnection("get node info") { (connection) throws(LibvirtError) -> NodeInfo in
            var info = virNodeInfo()
            guard virNodeGetInfo(connection, &info) == 0 else {
                throw LibvirtError.last(operation: "get node info", uri: uri)
            }
            let free = try availableMemory(connection)
            return NodeInfo(
                memoryBytes: UInt64(info.memory) * 1024, freeMemoryBytes: UInt64(free), cpus: Int(info.cpus),
                sockets: Int(info.sockets), coresPerSocket: Int(info.cores), threadsPerCore: Int(info.threads))
        }
    }

    /// Memory a new guest can get: free plus buffers and page cache, which the kernel hands
    /// back on demand (`virNodeGetMemoryStats`, all cells). `virNodeGetFreeMemory` alone
    /// reports only never-used pages, a fraction of the truth on any busy host.
    private func availableMemory(_ connection: virConnectPtr) throws(LibvirtError) -> UInt64 {
        let allCells = Int32(VIR_NODE_MEMORY_STATS_ALL_CELLS.rawValue)
        var count: Int32 = 0
        guard virNodeGetMemoryStats(connection, allCells, nil, &count, 0) == 0, count > 0 else {
            throw LibvirtError.last(operation: "get memory statistics", uri: uri)
        }
        var stats = [virNodeMemoryStats](repeating: virNodeMemoryStats(), count: Int(count))
        guard virNodeGetMemoryStats(connection, allCells, &stats, &count, 0) == 0 else {
            throw LibvirtError.last(operation: "get memory statistics", uri: uri)
        }
        var kibibytes: UInt64 = 0
        for stat in stats.prefix(Int(count)) {
            let field = withUnsafeBytes(of: stat.field) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if ["free", "buffers", "cached"].contains(field) { kibibytes += UInt64(stat.value) }
        }
        return kibibytes * 1024
    }

    /// The node's host name (`virConnectGetHostname`).
    public func hostname() throws(LibvirtError) -> String {
        try withConnection("get hostname") { (connection) throws(LibvirtError) -> String in
            guard let name = virConnectGetHostname(connection) else {
                throw LibvirtError.last(operation: "get hostname", uri: uri)
            }
            defer { free(name) }
            return String(cString: name)
        }
    }
}

/// What `virsh nodeinfo` reports, plus free memory.
public struct NodeInfo: Sendable, Hashable {
    public var memoryBytes: UInt64
    /// Free memory including reclaimable buffers and page cache (what a new guest can use).
    public var freeMemoryBytes: UInt64
    public var cpus: Int
    public var sockets: Int
    public var coresPerSocket: Int
    public var threadsPerCore: Int
}
