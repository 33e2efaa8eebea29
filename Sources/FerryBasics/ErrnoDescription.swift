#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An errno in the words every Ferry module prints it with: "No such file or directory
/// (ENOENT)". The symbolic name is what an admin searches for; the text alone is ambiguous
/// across libc versions. Errnos without a name here keep their number: "(errno 95)".
public func errnoDescription(_ err: Int32) -> String {
    let text = String(cString: strerror(err))
    if let name = errnoNames[err] { return "\(text) (\(name))" }
    return "\(text) (errno \(err))"
}

/// The errnos file, Ceph and libvirt calls return in practice.
private let errnoNames: [Int32: String] = [
    ENOENT: "ENOENT", EACCES: "EACCES", EPERM: "EPERM", EIO: "EIO", EISDIR: "EISDIR",
    ENOTDIR: "ENOTDIR", EINVAL: "EINVAL", EBADF: "EBADF", ENXIO: "ENXIO", ELOOP: "ELOOP",
    EMFILE: "EMFILE", ENFILE: "ENFILE", ENOMEM: "ENOMEM", EOVERFLOW: "EOVERFLOW",
    ENAMETOOLONG: "ENAMETOOLONG", EEXIST: "EEXIST", ENOSPC: "ENOSPC", EDQUOT: "EDQUOT",
    ETIMEDOUT: "ETIMEDOUT", EBUSY: "EBUSY", ERANGE: "ERANGE", ENOTCONN: "ENOTCONN",
    ECONNREFUSED: "ECONNREFUSED", ECANCELED: "ECANCELED", EROFS: "EROFS", EFBIG: "EFBIG",
]
