/// What `ferry inspect PATH` shows: opens the disk (descriptor, sparse file, chain or OVA)
/// with every safety check of a real import, and returns its ``DiskInfo``. Print
/// `description` for people, encode it as JSON for `--json`. The files are closed again
/// before this returns. Throws the same ``VMDKError``s as ``VirtualDisk/open(_:options:)``.
public func inspectReport(_ path: String, options: OpenOptions = .init()) throws(VMDKError) -> DiskInfo {
    let disk = try VirtualDisk.open(path, options: options)
    defer { disk.close() }
    return disk.info
}
