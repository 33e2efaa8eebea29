import BlockingCalls

/// The image's control calls for async code. Each runs its synchronous librbd call off the
/// cooperative pool (`OffPool`): a call that waits on an OSD (metadata, snapshots, close)
/// would otherwise hold one of its threads, of which a small importer host has two. In an
/// async context the compiler picks these and asks for `await`, so no caller can forget.
/// Data reads and writes have their own asynchronous forms (`RBDImage+AsyncIO`).
extension RBDImage {
    public func close() async throws(CephError) {
        try await OffPool.run { () throws(CephError) in try self.close() }
    }

    public func stat() async throws(CephError) -> ImageInfo {
        try await OffPool.run { () throws(CephError) in try self.stat() }
    }

    public func size() async throws(CephError) -> UInt64 {
        try await OffPool.run { () throws(CephError) in try self.size() }
    }

    public func flush() async throws(CephError) {
        try await OffPool.run { () throws(CephError) in try self.flush() }
    }

    public func metadata(_ key: String) async throws(CephError) -> String? {
        try await OffPool.run { () throws(CephError) in try self.metadata(key) }
    }

    public func setMetadata(_ key: String, to value: String) async throws(CephError) {
        try await OffPool.run { () throws(CephError) in try self.setMetadata(key, to: value) }
    }

    public func removeMetadata(_ key: String) async throws(CephError) {
        try await OffPool.run { () throws(CephError) in try self.removeMetadata(key) }
    }

    public func allMetadata() async throws(CephError) -> [String: String] {
        try await OffPool.run { () throws(CephError) in try self.allMetadata() }
    }

    public func createSnapshot(_ snapshot: String) async throws(CephError) {
        try await OffPool.run { () throws(CephError) in try self.createSnapshot(snapshot) }
    }

    public func removeSnapshot(_ snapshot: String) async throws(CephError) {
        try await OffPool.run { () throws(CephError) in try self.removeSnapshot(snapshot) }
    }

    public func snapshots() async throws(CephError) -> [SnapshotInfo] {
        try await OffPool.run { () throws(CephError) in try self.snapshots() }
    }

    public func allocatedExtents(in range: Range<UInt64>, wholeObject: Bool) async throws(CephError) -> [Range<UInt64>] {
        try await OffPool.run { () throws(CephError) in try self.allocatedExtents(in: range, wholeObject: wholeObject) }
    }
}
