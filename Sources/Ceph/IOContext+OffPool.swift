import BlockingCalls

/// The pool's image calls for async code, each off the cooperative pool (`OffPool`); see
/// `RBDImage+OffPool` for why.
extension IOContext {
    public func createImage(_ name: String, size: UInt64, options: ImageCreateOptions = .init()) async throws(CephError) {
        try await OffPool.run { () throws(CephError) in try self.createImage(name, size: size, options: options) }
    }

    public func removeImage(_ name: String, purgingSnapshots: Bool = false) async throws(CephError) {
        try await OffPool.run { () throws(CephError) in try self.removeImage(name, purgingSnapshots: purgingSnapshots) }
    }

    public func openImage(_ name: String, readOnly: Bool = false) async throws(CephError) -> RBDImage {
        try await OffPool.run { () throws(CephError) in try self.openImage(name, readOnly: readOnly) }
    }

    public func imageExists(_ name: String) async throws(CephError) -> Bool {
        try await OffPool.run { () throws(CephError) in try self.imageExists(name) }
    }

    public func imageNames() async throws(CephError) -> [String] {
        try await OffPool.run { () throws(CephError) in try self.imageNames() }
    }

    public func defaultImageOrder() async throws(CephError) -> Int {
        try await OffPool.run { () throws(CephError) in try self.defaultImageOrder() }
    }
}
