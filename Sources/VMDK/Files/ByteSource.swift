#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes that can only be read front to back: a pipe, standard input, or a file read in
/// one pass. Used by one thread at a time (the stream readers hold a lock around it).
public protocol ByteSource: AnyObject {
    /// How the source is named in errors: `stdin`, a path, or `archive.ova:member`.
    var displayPath: String { get }
    /// Reads up to `buffer.count` bytes; returns 0 only at the end of the source.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VMDKError) -> Int
    /// Called once the consumer has read everything it needs and reached the end: the
    /// place for checks that need the whole source (an OVA's manifest digests).
    func finish() throws(VMDKError)
}

extension ByteSource {
    public func finish() throws(VMDKError) {}
}

/// A file descriptor read with `read(2)`: standard input, a pipe, or a regular file opened
/// for one sequential pass.
public final class FileDescriptorSource: ByteSource {
    public let displayPath: String
    private let descriptor: Int32
    private let owned: Bool
    /// Bytes returned so far: how far into the source the reading is.
    public private(set) var bytesRead: UInt64 = 0

    /// Reads `descriptor`; closes it on deinit only if `owned`.
    public init(descriptor: Int32, displayPath: String, owned: Bool) {
        self.descriptor = descriptor
        self.displayPath = displayPath
        self.owned = owned
    }

    /// Standard input, named `stdin` in errors.
    public static func standardInput() -> FileDescriptorSource {
        FileDescriptorSource(descriptor: 0, displayPath: "stdin", owned: false)
    }

    /// Opens `path` read-only for one pass, named `displayPath` (default: `path`) in errors.
    /// Wraps `open(2)`; throws `.notFound` or `.io`.
    public static func open(path: String, displayPath: String? = nil) throws(VMDKError) -> FileDescriptorSource {
        let shown = displayPath ?? path
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw VMDKError.system("open", errno: errno, file: shown) }
        // The kernel then reads ahead more aggressively; the pass never goes back.
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        return FileDescriptorSource(descriptor: fd, displayPath: shown, owned: true)
    }

    deinit {
        if owned { _ = Glibc.close(descriptor) }
    }

    /// Wraps `read(2)`, retrying on EINTR.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(VMDKError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = Glibc.read(descriptor, base, buffer.count)
            if count >= 0 {
                bytesRead += UInt64(count)
                return count
            }
            if errno == EINTR { continue }
            throw VMDKError.system("read", errno: errno, file: displayPath, offset: bytesRead)
        }
    }
}
