import Foundation
import Hashing

/// RFC 4122 (§4.3) name-based UUIDs, version 5 (SHA-1): the same namespace and name give the
/// same UUID on every machine, with no registry to coordinate through.
enum NameBasedUUID {
    /// Ferry's namespace for the names it derives UUIDs from (generated once, never to change:
    /// every UUID Ferry has handed out depends on it).
    static let ferryNamespace = UUID(uuidString: "1ce883c8-2d90-42ff-b65d-fa9a011d6be2")!

    /// The version-5 UUID of `name` (as UTF-8) in `namespace`, lowercase 8-4-4-4-12.
    static func version5(namespace: UUID, name: String) -> String {
        let namespaceBytes = withUnsafeBytes(of: namespace.uuid) { Array($0) }
        let hash = StreamingHash(.sha1)
        hash.update(namespaceBytes)
        hash.update(Array(name.utf8))
        var bytes = Array(hash.finish().prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // version 5 in the high nibble of time_hi_and_version
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // the RFC 4122 variant, 10xx
        let hex = bytes.hexString
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            hex[
                hex.index(
                    hex.startIndex, offsetBy: range.lowerBound)..<hex.index(hex.startIndex, offsetBy: range.upperBound)]
        }
        return groups.joined(separator: "-")
    }
}
