import CCeph

#if canImport(Glibc)
import Glibc
#endif

extension IOContext {
    /// Creates an image (`rbd_create4`).
    /// - Throws: `CephError` `.alreadyExists` when the name is taken, `.notFound` for a missing data pool.
    public func createImage(_ name: String, size: UInt64, options: ImageCreateOptions = .init()) throws(CephError) {
        try withHandle("rbd create") { (context) throws(CephError) in
            try options.withOptions("\(displayName)/\(name)") { (raw) throws(CephError) in
                _ = try check(rbd_create4(context, name, size, raw), "rbd create", pool: displayName, image: name)
            }
        }
    }

    /// Removes an image and its data (`rbd_remove`). Its snapshots must be gone first, or
    /// be removed here with `purgingSnapshots` (as `rbd snap purge` then `rbd rm`).
    /// - Throws: `CephError` `.notFound`, `.busy` while another client has it open.
    public func removeImage(_ name: String, purgingSnapshots: Bool = false) throws(CephError) {
        if purgingSnapshots {
            let image = try openImage(name)
            do {
                for snapshot in try image.snapshots() { try image.removeSnapshot(snapshot.name) }
                try image.close()
            } catch {
                try? image.close()
                throw error
            }
        }
        try withHandle("rbd remove") { (context) throws(CephError) in
            _ = try check(rbd_remove(context, name), "rbd remove", pool: displayName, image: name)
        }
    }

    /// Opens an image (`rbd_open` / `rbd_open_read_only`).
    /// - Throws: `CephError` `.notFound` naming pool and image when it does not exist.
    public func openImage(_ name: String, readOnly: Bool = false) throws(CephError) -> RBDImage {
        try RBDImage(context: self, name: name, readOnly: readOnly)
    }

    /// Opens an image, lends it to `body`, and closes it whatever happens.
    public func withImage<T>(
        _ name: String, readOnly: Bool = false, _ body: (RBDImage) async throws -> T
    ) async throws -> T {
        let image = try await openImage(name, readOnly: readOnly)
        do {
            let result = try await body(image)
            try await image.close()
            return result
        } catch {
            try? await image.close()
            throw error
        }
    }

    /// Whether an image of that name exists in this pool/namespace.
    public func imageExists(_ name: String) throws(CephError) -> Bool {
        do {
            let image = try openImage(name, readOnly: true)
            try image.close()
            return true
        } catch where error.code == .notFound {
            return false
        }
    }

    /// Names of the images in this pool/namespace (`rbd_list2`).
    public func imageNames() throws(CephError) -> [String] {
        try withHandle("rbd list") { (context) throws(CephError) -> [String] in
            var capacity = 64
            while true {
                var specs = [rbd_image_spec_t](repeating: rbd_image_spec_t(), count: capacity)
                var count = capacity
                let result = rbd_list2(context, &specs, &count)
                if result == -ERANGE {
                    capacity = max(count, capacity * 2)
                    continue
                }
                try check(result, "rbd list", pool: displayName)
                let names = specs.prefix(count).map { String(cString: $0.name) }
                rbd_image_spec_list_cleanup(&specs, count)
                return names.sorted()
            }
        }
    }
}
