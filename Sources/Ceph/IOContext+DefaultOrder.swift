import CCeph

#if canImport(Glibc)
import Glibc
#endif

extension RadosCluster {
    /// The object size order `rbd create` gives an image when none is asked for: the
    /// `rbd_default_order` this client's configuration resolved (`rados_conf_get`).
    /// - Throws: `CephError` if the connection is closed or the value is not a number.
    public func defaultImageOrder() throws(CephError) -> Int {
        let text = try configValue("rbd_default_order")
        guard let order = Int(text) else {
            throw CephError(
                code: .invalidArgument, errno: 0, operation: "rados get option rbd_default_order",
                detail: "not a number: \(text)")
        }
        return order
    }
}

extension IOContext {
    /// The object size order `rbd create` gives a new image in this pool when none is asked
    /// for: the pool's own `rbd_default_order` (set with `rbd config pool set`, kept in the
    /// pool's metadata as `conf_rbd_default_order`, read with `rbd_pool_metadata_get`), else
    /// the cluster's (``RadosCluster/defaultImageOrder()``). Ferry sizes its buffers before
    /// the image exists, so it must know what librbd would pick.
    /// - Throws: `CephError` for a failed metadata read other than "not set".
    public func defaultImageOrder() throws(CephError) -> Int {
        if let text = try poolMetadata("conf_rbd_default_order"), let order = Int(text) { return order }
        return try cluster.defaultImageOrder()
    }

    /// One key of the pool's RBD metadata (`rbd_pool_metadata_get`); nil when it is not set.
    /// - Throws: `CephError` for any failure but ENOENT.
    public func poolMetadata(_ key: String) throws(CephError) -> String? {
        try withHandle("rbd pool metadata get") { (context) throws(CephError) -> String? in
            var length = 256
            while true {
                var buffer = [CChar](repeating: 0, count: length)
                var size = length
                let result = rbd_pool_metadata_get(context, key, &buffer, &size)
                if result == -ENOENT { return nil }
                if result == -ERANGE, size > length {
                    length = size
                    continue
                }
                try check(result, "rbd pool metadata get \(key)", pool: displayName)
                return String(nulTerminated: buffer)
            }
        }
    }
}
