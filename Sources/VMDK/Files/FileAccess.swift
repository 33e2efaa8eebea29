/// How the files a disk is made of are reached: one implementation per kind of storage.
///
/// The VMDK readers ask an access for every file of a disk — the descriptor the user
/// named, each extent it lists, each parent of a snapshot chain — so the extent readers
/// never learn where the bytes come from, and the rule of which files a disk may name is
/// enforced in one place per kind of storage. ``LocalFiles`` reads local and NFS-mounted
/// folders; ``ArchiveFiles`` the inside of an OVA. A new kind of source (a datastore over
/// HTTPS, say) is one more implementation, handed to ``VirtualDisk/open(_:access:options:)``.
public protocol FileAccess: Sendable {
    /// The file the user named (the top of a disk, an OVA): no confinement applies to it.
    /// - Throws: `.notFound` when nothing is there.
    func locate(_ path: String) throws(VMDKError) -> FileLocation

    /// Resolves `reference`, a file name written inside the file at `referencing` (an
    /// extent line or a `parentFileNameHint`, which `field` names), relative to that file's
    /// folder.
    /// - Throws: `.pathEscape` when it leads outside the places this access allows,
    ///   `.notFound` when nothing is there, `.unsupported` when this storage holds no
    ///   separate files (an OVA's disks must be self-contained).
    func resolve(_ reference: String, from referencing: FileLocation, field: String) throws(VMDKError) -> FileLocation

    /// Opens a located file for positional reads by many threads.
    func open(_ location: FileLocation) throws(VMDKError) -> any ReadableFile

    /// Opens a located file for one pass front to back (a stream import reads an OVA so).
    func openSequential(_ location: FileLocation) throws(VMDKError) -> any ByteSource
}

extension FileAccess {
    /// Reads the file front to back through positional reads; storage with a cheaper way
    /// to stream (a local file's `read(2)` with read-ahead) provides its own.
    public func openSequential(_ location: FileLocation) throws(VMDKError) -> any ByteSource {
        PositionalByteSource(try open(location))
    }
}

/// A file as a ``FileAccess`` knows it.
public struct FileLocation: Hashable, Sendable {
    /// What `open` takes and what tells two references to one file apart (a snapshot chain
    /// that loops, extents sharing a file): a canonical path for local files.
    public var path: String
    /// How the file is named in errors: as the user wrote it for the top file, the
    /// resolved path for the files it refers to.
    public var displayPath: String

    public init(path: String, displayPath: String) {
        self.path = path
        self.displayPath = displayPath
    }
}
