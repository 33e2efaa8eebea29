import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A local file (or one on a mounted datastore) open read-only: owns one descriptor.
///
/// Readers only ever use `pread`, so any number of threads can share one descriptor
/// without a lock or a shared file position. The descriptor is held in an atomic so that
/// `close()` is explicit and idempotent; the caller must not race `close()` against reads
/// (a closed descriptor number can be reused by the kernel), which is why readers check
/// for `-1` rather than trusting the number blindly.
final class LocalFile: ReadableFile {
    /// The path as the user wrote it (used in error messages).
    let displayPath: String
    /// The size of the file when it was opened.
    let length: UInt64
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
        self.length = UInt64(st.st_size)
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

    /// Wraps `pread(2)`, retrying on EINTR and short reads.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(VMDKError) {
        let fd = try fileDescriptor()
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + UInt64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                throw VMDKError.system("pread", errno: errno, file: displayPath, offset: offset + UInt64(done))
            }
            if n == 0 {
                // The file shrank after it was opened: never hand back the zeros we did not read.
                throw VMDKError(
                    .truncated, file: displayPath, offset: offset + UInt64(done),
                    "file ended early while reading (was it truncated while open?)")
            }
            done += n
        }
    }

    /// Wraps `lseek(SEEK_DATA/SEEK_HOLE)`; nil when the file system cannot tell.
    func dataRanges(in range: Range<UInt64>) -> [Range<UInt64>]? {
        // Glibc only defines SEEK_DATA/SEEK_HOLE under _GNU_SOURCE, which Swift does not
        // import, so the Linux values are spelled out.
        let seekData: Int32 = 3
        let seekHole: Int32 = 4
        guard let fd = try? fileDescriptor() else { return nil }
        var result: [Range<UInt64>] = []
        var position = range.lowerBound
        while position < range.upperBound {
            let data = lseek(fd, off_t(position), seekData)
            if data < 0 {
                if errno == ENXIO { break }  // only a hole remains up to EOF
                return nil
            }
            if UInt64(data) >= range.upperBound { break }
            let hole = lseek(fd, data, seekHole)
            if hole < 0 { return nil }
            let end = min(UInt64(hole), range.upperBound)
            result.append(UInt64(data)..<end)
            position = end
        }
        return result
    }
}

/// The global `close(2)`, which the `close()` method above would otherwise shadow.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
