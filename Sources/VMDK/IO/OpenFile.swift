import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns one read-only file descriptor.
///
/// Readers only ever use `pread`, so any number of threads can share one descriptor
/// without a lock or a shared file position. The descriptor is held in an atomic so that
/// `close()` is explicit and idempotent; the caller must not race `close()` against reads
/// (a closed descriptor number can be reused by the kernel), which is why readers check
/// for `-1` rather than trusting the number blindly.
final class OpenFile: Sendable {
    /// The path as the user wrote it (used in error messages).
    let displayPath: String
    /// The size of the file when it was opened.
    let size: UInt64
    private let descriptor: Atomic<Int32>

    /// Opens `path` read-only. Wraps `open(2)` and `fstat(2)`; throws `.notFound`, `.io`,
    /// or `.unsupported` when the path is not a regular file.
    init(path: String, displayPath: String? = nil) throws(VMDKError) {
        let shown = displayPath ?? path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw VMDKError.system("open", errno: errno, file: shown) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let err = errno
            closeDescriptor(fd)
            throw VMDKError.system("fstat", errno: err, file: shown)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            closeDescriptor(fd)
            throw VMDKError(
                .unsupported, file: shown, "not a regular file (devices, FIFOs and directories are refused)")
        }
        self.displayPath = shown
        self.size = UInt64(st.st_size)
        self.descriptor = Atomic(fd)
    }

    /// The descriptor, or `.closed` after ``close()``.
    func fileDescriptor() throws(VMDKError) -> Int32 {
        let fd = descriptor.load(ordering: .acquiring)
        if fd < 0 { throw VMDKError(.closed, file: displayPath, "file was closed") }
        return fd
    }

    /// Closes the descriptor; later calls do nothing.
    func close() {
        let fd = descriptor.exchange(-1, ordering: .acquiringAndReleasing)
        if fd >= 0 { closeDescriptor(fd) }
    }

    deinit { close() }
}

/// The global `close(2)`, which the `close()` method above would otherwise shadow.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
