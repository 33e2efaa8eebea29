import CCeph

#if canImport(Glibc)
import Glibc
#endif

extension RBDImage {
    /// Reads one metadata value (`rbd_metadata_get`); `nil` when the key is absent.
    public func metadata(_ key: String) throws(CephError) -> String? {
        var capacity = 256
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            var length = capacity
            let result = try withHandle("rbd metadata get \(key)") { image in
                rbd_metadata_get(image, key, &buffer, &length)
            }
            if result == -ENOENT { return nil }
            if result == -ERANGE {
                capacity = max(length, capacity * 2)
                continue
            }
            try check(result, "rbd metadata get \(key)", pool: context.displayName, image: name)
            return String(nulTerminated: buffer)
        }
    }

    /// Sets one metadata value (`rbd_metadata_set`); image metadata survives crashes of the writer.
    public func setMetadata(_ key: String, to value: String) throws(CephError) {
        try call("rbd metadata set \(key)") { rbd_metadata_set($0, key, value) }
    }

    /// Removes a metadata key (`rbd_metadata_remove`); absent keys are not an error.
    public func removeMetadata(_ key: String) throws(CephError) {
        let result = try withHandle("rbd metadata remove \(key)") { rbd_metadata_remove($0, key) }
        if result == -ENOENT { return }
        try check(result, "rbd metadata remove \(key)", pool: context.displayName, image: name)
    }

    /// All metadata of the image (`rbd_metadata_list`), keys starting after `start`.
    public func allMetadata() throws(CephError) -> [String: String] {
        var keyCapacity = 4096
        var valueCapacity = 16384
        while true {
            var keys = [CChar](repeating: 0, count: keyCapacity)
            var values = [CChar](repeating: 0, count: valueCapacity)
            var keyLength = keyCapacity
            var valueLength = valueCapacity
            let result = try withHandle("rbd metadata list") { image in
                rbd_metadata_list(image, "", 0, &keys, &keyLength, &values, &valueLength)
            }
            if result == -ERANGE {
                keyCapacity = max(keyLength, keyCapacity * 2)
                valueCapacity = max(valueLength, valueCapacity * 2)
                continue
            }
            try check(result, "rbd metadata list", pool: context.displayName, image: name)
            let keyList = Self.splitNulTerminated(keys, length: keyLength)
            let valueList = Self.splitNulTerminated(values, length: valueLength)
            return Dictionary(zip(keyList, valueList), uniquingKeysWith: { _, last in last })
        }
    }

    /// librbd packs lists as NUL-terminated strings back to back.
    static func splitNulTerminated(_ buffer: [CChar], length: Int) -> [String] {
        buffer.prefix(length).split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
