import CCeph

#if canImport(Glibc)
import Glibc
#endif

/// Whole-object reads and simple writes on plain RADOS objects (not RBD images).
extension IOContext {
    /// The object's data (`rados_stat` + `rados_read`), or `nil` when it does not exist.
    public func readObject(_ object: String) throws(CephError) -> [UInt8]? {
        let operation = "rados read \(object)"
        while true {
            var size: UInt64 = 0
            var modified: time_t = 0
            let statResult = try withHandle(operation) { rados_stat($0, object, &size, &modified) }
            if statResult == -ENOENT { return nil }
            try check(statResult, operation, pool: displayName)
            // Read one byte more than the size: if it arrives, the object grew meanwhile; go again.
            let capacity = Int(size) + 1
            var buffer = [UInt8](repeating: 0, count: capacity)
            let read = try withHandle(operation) { context in
                buffer.withUnsafeMutableBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { rados_read(context, object, $0.baseAddress, capacity, 0) }
                }
            }
            if read == -ENOENT { return nil }
            try check(read, operation, pool: displayName)
            if Int(read) < capacity { return Array(buffer.prefix(Int(read))) }
        }
    }

    /// Replaces (or creates) the object with `data` (`rados_write_full`).
    public func writeObject(_ object: String, _ data: [UInt8]) throws(CephError) {
        var write = RadosWrite()
        write.writeFull(data)
        try perform(write, on: object)
    }

    /// Deletes the object (`rados_remove`); an absent object is not an error.
    public func removeObject(_ object: String) throws(CephError) {
        let result = try withHandle("rados remove \(object)") { rados_remove($0, object) }
        if result == -ENOENT { return }
        try check(result, "rados remove \(object)", pool: displayName)
    }

    /// One extended attribute (`rados_getxattr`); `nil` when the object or attribute is absent.
    public func attribute(_ name: String, of object: String) throws(CephError) -> [UInt8]? {
        let operation = "rados getxattr \(object) \(name)"
        var capacity = 256
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let result = try withHandle(operation) { context in
                buffer.withUnsafeMutableBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { rados_getxattr(context, object, name, $0.baseAddress, capacity) }
                }
            }
            if result == -ENOENT || result == -ENODATA { return nil }
            if result == -ERANGE {
                capacity *= 4
                continue
            }
            try check(result, operation, pool: displayName)
            return Array(buffer.prefix(Int(result)))
        }
    }
}
