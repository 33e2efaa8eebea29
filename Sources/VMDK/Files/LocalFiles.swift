import FerryBasics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files in local folders, or on a datastore mounted over NFS: the default ``FileAccess``.
///
/// Every name a descriptor writes is resolved with `realpath(3)` and must stay inside the
/// referring file's folder or one of `allowedRoots` (``PathPolicy``).
public struct LocalFiles: FileAccess {
    let policy: PathPolicy

    /// - Parameter allowedRoots: extra folders (datastore roots) extents and parents may live
    ///   in, besides the folder of the file that names them.
    public init(allowedRoots: [String] = []) {
        policy = PathPolicy(allowedRoots: allowedRoots)
    }

    /// Wraps `realpath(3)`; throws `.notFound` (ENOENT) or `.io`.
    public func locate(_ path: String) throws(VMDKError) -> FileLocation {
        guard let canonical = canonicalPath(path) else {
            // The path the user typed: say what is wrong with it, not which call found out.
            let err = errno
            var error = VMDKError.system("realpath", errno: err, file: path)
            error.message = "cannot be read: \(errnoDescription(err))"
            throw error
        }
        return FileLocation(path: canonical, displayPath: path)
    }

    public func resolve(_ reference: String, from referencing: FileLocation, field: String) throws(VMDKError)
        -> FileLocation
    {
        let canonical = try policy.resolve(
            reference, folder: folderOf(referencing.path), referencingFile: referencing.displayPath, field: field)
        return FileLocation(path: canonical, displayPath: canonical)
    }

    /// Wraps `open(2)`; throws `.notFound`, `.io`, or `.unsupported` for anything but a
    /// regular file (a device behind a symlink is never read).
    public func open(_ location: FileLocation) throws(VMDKError) -> any ReadableFile {
        try LocalFile(path: location.path, displayPath: location.displayPath)
    }

    /// `read(2)` with the kernel told the pass is sequential.
    public func openSequential(_ location: FileLocation) throws(VMDKError) -> any ByteSource {
        try FileDescriptorSource.open(path: location.path, displayPath: location.displayPath)
    }
}
