import Foundation

/// What identifies a source disk for `--resume`: resuming onto an image written from a
/// different or changed file would silently mix two disks.
enum SourceIdentity {
    /// The absolute path, logical capacity, and the top file's size and modification time.
    public static func of(path: String, capacity: UInt64) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let attributes = try? FileManager.default.attributesOfItem(atPath: absolute)
        let size = (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(absolute);capacity=\(capacity);size=\(size);mtime=\(Int(modified))"
    }
}
