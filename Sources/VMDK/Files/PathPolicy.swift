#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a VMDK may point: the folder of the file that names the reference, plus the
/// datastore roots the caller allows.
///
/// A descriptor is untrusted input. `RW 2048 FLAT "/etc/shadow" 0` or a symlink
/// `disk-flat.vmdk -> /dev/sda` would make a migration copy host data into a guest
/// image (the CVE-2024-32498 class, which qemu-img does not guard against). So every
/// extent and parent reference is resolved with `realpath(3)` and must land inside one
/// of these folders, and must be a regular file.
struct PathPolicy: Sendable {
    /// Canonical (realpath) extra roots.
    let allowedRoots: [String]

    init(allowedRoots: [String]) {
        self.allowedRoots = allowedRoots.compactMap { canonicalPath($0) }
    }

    /// Resolves `reference` (as written in `referencingFile`, whose canonical folder is
    /// `folder`) to a canonical path, or throws `.pathEscape` / `.notFound`.
    func resolve(_ reference: String, folder: String, referencingFile: String, field: String) throws(VMDKError)
        -> String
    {
        if reference.isEmpty {
            throw VMDKError(.badDescriptor, file: referencingFile, field: field, "empty file name")
        }
        if reference.utf8.contains(0) {
            throw VMDKError(.badDescriptor, file: referencingFile, field: field, "file name contains a NUL byte")
        }
        let isAbsolute = reference.hasPrefix("/")
        let candidate = isAbsolute ? reference : folder + "/" + reference
        guard let resolved = canonicalPath(candidate) else {
            let err = errno
            if err == ENOENT || err == ENOTDIR {
                throw VMDKError(
                    .notFound, file: referencingFile, field: field,
                    "refers to \"\(reference)\", which does not exist (looked for \(candidate))", errno: err)
            }
            throw VMDKError.system("realpath(\(candidate))", errno: err, file: referencingFile)
        }
        let roots = [folder] + allowedRoots
        guard roots.contains(where: { isInside(resolved, root: $0) }) else {
            let why = isAbsolute ? "is an absolute path" : "resolves to \(resolved)"
            throw VMDKError(
                .pathEscape, file: referencingFile, field: field,
                "refers to \"\(reference)\", which \(why) outside the disk's folder \(folder)"
                    + (allowedRoots.isEmpty ? "" : " and the allowed roots \(allowedRoots.joined(separator: ", "))"))
        }
        return resolved
    }
}

/// `realpath(3)`: nil (with errno set) if the path does not resolve.
func canonicalPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// The folder part of a canonical path.
func folderOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}

/// The last path component.
func baseName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

private func isInside(_ path: String, root: String) -> Bool {
    if root == "/" { return true }
    return path.hasPrefix(root + "/")
}
