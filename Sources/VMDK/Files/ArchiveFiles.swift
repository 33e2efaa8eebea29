/// The inside of an OVA as a ``FileAccess``: members are opened in place, as slices of the
/// archive, and a disk in it may name no other file (OVF packages carry self-contained
/// disks; a descriptor pointing elsewhere would reach outside the package).
struct ArchiveFiles: FileAccess {
    let package: OVAPackage

    /// `path` is a member name.
    func locate(_ path: String) throws(VMDKError) -> FileLocation {
        guard package.archive.members.contains(where: { $0.name == path }) else {
            throw VMDKError(.notFound, file: "\(package.path):\(path)", "the archive holds no member of that name")
        }
        return FileLocation(path: path, displayPath: "\(package.path):\(path)")
    }

    func resolve(_ reference: String, from referencing: FileLocation, field: String) throws(VMDKError) -> FileLocation {
        throw VMDKError(
            .unsupported, file: referencing.displayPath, field: field,
            "descriptor refers to the separate file \"\(reference)\", but it is inside an archive; only self-contained disks are read from an OVA"
        )
    }

    func open(_ location: FileLocation) throws(VMDKError) -> any ReadableFile {
        guard let member = package.archive.members.first(where: { $0.name == location.path }) else {
            throw VMDKError(.notFound, file: location.displayPath, "the archive holds no member of that name")
        }
        return FileSlices(
            of: package.file.file, ranges: [(member.dataOffset, member.size)], displayPath: location.displayPath)
    }
}
