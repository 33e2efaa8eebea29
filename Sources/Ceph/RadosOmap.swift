import CCeph

#if canImport(Glibc)
import Glibc
#endif

/// Reading an object's omap: sorted key/value pairs stored beside the object's data.
extension IOContext {
    /// One page of omap entries after `startAfter` (`rados_read_op_omap_get_vals2`).
    /// - Returns: the entries in key order and whether more follow; no entries for an absent object.
    public func omapPage(
        of object: String, after startAfter: String = "", prefix: String = "", limit: Int = 512
    ) throws(CephError) -> (entries: [(key: String, value: [UInt8])], more: Bool) {
        let operation = "rados omap list \(object)"
        guard let op = rados_create_read_op() else {
            throw CephError(code: .unknown, errno: ENOMEM, operation: operation, pool: displayName)
        }
        defer { rados_release_read_op(op) }
        var iterator: rados_omap_iter_t?
        var more: UInt8 = 0
        var stepResult: Int32 = 0
        rados_read_op_omap_get_vals2(op, startAfter, prefix, UInt64(limit), &iterator, &more, &stepResult)
        let result = try withHandle(operation) { rados_read_op_operate(op, $0, object, 0) }
        defer { if let iterator { rados_omap_get_end(iterator) } }
        if result == -ENOENT { return ([], false) }
        try check(result, operation, pool: displayName)
        try check(stepResult, operation, pool: displayName)
        var entries: [(key: String, value: [UInt8])] = []
        guard let iterator else { return ([], false) }
        while true {
            var key: UnsafeMutablePointer<CChar>?
            var value: UnsafeMutablePointer<CChar>?
            var keyLength = 0
            var valueLength = 0
            try check(rados_omap_get_next2(iterator, &key, &value, &keyLength, &valueLength), operation, pool: displayName)
            guard let key else { break }
            let keyText = key.withMemoryRebound(to: UInt8.self, capacity: keyLength) {
                String(decoding: UnsafeBufferPointer(start: $0, count: keyLength), as: UTF8.self)
            }
            let bytes: [UInt8] =
                if let value, valueLength > 0 {
                    value.withMemoryRebound(to: UInt8.self, capacity: valueLength) {
                        Array(UnsafeBufferPointer(start: $0, count: valueLength))
                    }
                } else { [] }
            entries.append((keyText, bytes))
        }
        return (entries, more != 0)
    }

    /// Every omap entry of `object` whose key starts with `prefix`, in key order, read in pages.
    public func omapEntries(of object: String, prefix: String = "") throws(CephError) -> [(key: String, value: [UInt8])] {
        var all: [(key: String, value: [UInt8])] = []
        var after = ""
        while true {
            let page = try omapPage(of: object, after: after, prefix: prefix)
            all += page.entries
            guard page.more, let last = page.entries.last else { return all }
            after = last.key
        }
    }

    /// Sets omap entries on `object`, creating it if needed.
    public func setOmap(_ entries: [(key: String, value: [UInt8])], on object: String) throws(CephError) {
        var write = RadosWrite()
        write.setOmap(entries)
        try perform(write, on: object)
    }
}
