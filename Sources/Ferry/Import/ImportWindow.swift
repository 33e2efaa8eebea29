/// The memory and write budget shared by every disk imported at once (the disks of one VM,
/// or every import on one host): one fixed pool of object-sized buffers. A reader needs a
/// buffer to read a chunk and a write holds it until librbd completes, so the pool bounds
/// both the bytes in flight and the memory, however many disks run.
public final class ImportWindow: Sendable {
    let pool: BufferPool
    /// The shared bandwidth cap, if any.
    let rateLimiter: RateLimiter?

    /// - Parameters:
    ///   - buffers: chunks read or written at once, across all imports using this window.
    ///   - bufferSize: the largest RBD object size of the images written (4 MiB by default).
    ///   - maxBytesPerSecond: a cap on the data all these imports read and write together.
    public init(buffers: Int, bufferSize: Int = 4 << 20, maxBytesPerSecond: UInt64? = nil) {
        pool = BufferPool(count: max(1, buffers), bufferSize: bufferSize)
        rateLimiter = maxBytesPerSecond.map(RateLimiter.init(bytesPerSecond:))
    }

    public var bufferSize: Int { pool.bufferSize }
    public var buffers: Int { pool.count }
}
