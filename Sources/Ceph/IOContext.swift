import CCeph
import Synchronization

/// A pool I/O context (`rados_ioctx_t`), optionally in a RADOS namespace.
///
/// Holds its cluster so the connection outlives every context opened from it.
public final class IOContext: Sendable {
    public let cluster: RadosCluster
    public let pool: String
    public let namespace: String?
    private let handle: Mutex<rados_ioctx_t?>

    /// Wraps `rados_ioctx_create` and `rados_ioctx_set_namespace`.
    /// - Throws: `CephError` `.notFound` when the pool does not exist.
    init(cluster: RadosCluster, pool: String, namespace: String?) throws(CephError) {
        self.cluster = cluster
        self.pool = pool
        self.namespace = namespace
        let context = try cluster.withHandle("rados open pool") { (raw) throws(CephError) -> rados_ioctx_t in
            var context: rados_ioctx_t?
            try check(rados_ioctx_create(raw, pool, &context), "rados open", pool: pool)
            guard let context else { throw CephError(code: .unknown, errno: 0, operation: "rados open", pool: pool) }
            return context
        }
        if let namespace { rados_ioctx_set_namespace(context, namespace) }
        // Without FULL_TRY, librados pauses every write to a full pool (quota reached or an
        // OSD past its full ratio) until space is freed: an import would hang with no word.
        // With it, the OSD answers EDQUOT or ENOSPC at once, which Ferry reports, keeps its
        // checkpoint for, and the job runner retries later. It never forces a write past
        // the full ratio (that is FULL_FORCE).
        rados_set_pool_full_try(context)
        self.handle = Mutex(context)
    }

    deinit {
        handle.withLock { context in
            if let context { cluster.whileOpen { rados_ioctx_destroy(context) } }
        }
    }

    /// Destroys the context (`rados_ioctx_destroy`). Idempotent. Images opened from it must be
    /// closed first; they keep the context object alive but not a destroyed handle.
    public func close() {
        handle.withLock { context in
            if let open = context { cluster.whileOpen { rados_ioctx_destroy(open) } }
            context = nil
        }
    }

    /// The pool (and namespace) as the rbd CLI prints it: `pool` or `pool/namespace`.
    public var displayName: String {
        if let namespace, !namespace.isEmpty { return "\(pool)/\(namespace)" }
        return pool
    }

    func withHandle<T>(_ operation: String, _ body: (rados_ioctx_t) throws(CephError) -> T) throws(CephError) -> T {
        let context = handle.withLock { $0 }
        guard let context else {
            throw CephError(code: .connectionFailed, errno: 0, operation: operation, pool: displayName,
                            detail: "I/O context closed")
        }
        return try body(context)
    }
}
