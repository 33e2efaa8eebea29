import FerryBasics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The errno → ``VMDKError/Code`` table for the file system calls this module makes
/// (open, pread, fstat, lseek, realpath, stat). ENOENT gets its own code because "the
/// `-flat.vmdk` is missing" is the most common problem with copied VMware folders.
extension VMDKError {
    static func system(
        _ call: String,
        errno err: Int32,
        file: String,
        offset: UInt64? = nil
    ) -> VMDKError {
        let code: Code
        switch err {
        case ENOENT, ENOTDIR: code = .notFound
        case EBADF: code = .closed
        case EINVAL, EOVERFLOW: code = .invalidArgument
        default: code = .io
        }
        return VMDKError(code, file: file, offset: offset, "\(call) failed: \(errnoDescription(err))", errno: err)
    }
}
