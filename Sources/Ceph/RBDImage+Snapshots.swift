import CCeph

#if canImport(Glibc)
import Glibc
#endif

/// One snapshot of an image as `rbd snap ls` shows it.
public struct SnapshotInfo: Sendable, Hashable {
    public var id: UInt64
    public var name: String
    public var size: UInt64
}

extension RBDImage {
    /// Creates a snapshot (`rbd_snap_create`).
    /// - Throws: `CephError` `.alreadyExists` when the name is taken.
    public func createSnapshot(_ snapshot: String) throws(CephError) {
        try call("rbd snap create @\(snapshot)") { rbd_snap_create($0, snapshot) }
    }

    /// Removes a snapshot (`rbd_snap_remove`).
    /// - Throws: `CephError` `.notFound` when there is no such snapshot.
    public func removeSnapshot(_ snapshot: String) throws(CephError) {
        try call("rbd snap remove @\(snapshot)") { rbd_snap_remove($0, snapshot) }
    }

    /// Lists snapshots (`rbd_snap_list`), oldest first.
    public func snapshots() throws(CephError) -> [SnapshotInfo] {
        var capacity = 16
        while true {
            var entries = [rbd_snap_info_t](repeating: rbd_snap_info_t(), count: capacity)
            var maxSnaps = Int32(capacity)
            let result = try withHandle("rbd snap list") { rbd_snap_list($0, &entries, &maxSnaps) }
            if result == -ERANGE {
                capacity = max(Int(maxSnaps), capacity * 2)
                continue
            }
            try check(result, "rbd snap list", pool: context.displayName, image: name)
            let list = entries.prefix(Int(result)).map {
                SnapshotInfo(id: $0.id, name: String(cString: $0.name), size: $0.size)
            }
            rbd_snap_list_end(&entries)
            return list
        }
    }
}
