#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads small files (VMX, OVF, plans, configuration, inventories) whole with open/fstat/read,
/// so that a failure carries its errno instead of Foundation's "The operation could not be
/// completed" text, which names neither the cause nor the errno.
public enum WholeFile {
    /// Why a file could not be read.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// A system call failed (`errno` is positive): "No such file or directory (ENOENT)".
        case system(call: String, errno: Int32)
        /// The file holds more than the caller's limit; nothing was read.
        case tooLarge(size: UInt64)

        /// The errno's words, or the size, without the file name (callers add it).
        public var description: String {
            switch self {
            case .system(_, let err): errnoDescription(err)
            case .tooLarge(let size): "is \(size) bytes"
            }
        }
    }

    /// The bytes of the file at `path`, refusing a file larger than `limit` bytes before
    /// reading it (a descriptor pointed at a disk image must not be pulled into memory).
    ///
    /// Wraps `open(2)`, `fstat(2)` and `read(2)`.
    /// - Throws: `Failure.system` for a failed call (ENOENT, EACCES, EISDIR…), `.tooLarge`.
    public static func read(_ path: String, limit: Int = Int.max) throws(Failure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system(call: "open", errno: errno) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .system(call: "fstat", errno: errno) }
        // read(2) on a directory fails with EISDIR only on some file systems; say it for all.
        if (info.st_mode & S_IFMT) == S_IFDIR { throw .system(call: "read", errno: EISDIR) }
        if info.st_size > 0, UInt64(info.st_size) > UInt64(limit) { throw .tooLarge(size: UInt64(info.st_size)) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .system(call: "read", errno: errno) }
            if count == 0 { break }
            bytes += chunk[..<count]
            // A file that grew (or a FIFO) past the limit while being read.
            if bytes.count > limit { throw .tooLarge(size: UInt64(bytes.count)) }
        }
        return bytes
    }

    /// The file as UTF-8 text.
    /// - Throws: `Failure` as ``read(_:limit:)``; returns nil for bytes that are not UTF-8.
    public static func utf8Text(_ path: String, limit: Int = Int.max) throws(Failure) -> String? {
        String(validating: try read(path, limit: limit), as: UTF8.self)
    }
}

/// libc's read(2), named apart from `WholeFile.read`, which shadows it inside the enum.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
