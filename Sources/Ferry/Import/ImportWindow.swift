/// The memory and write budget shared by every disk imported at once (the disks of one VM,
/// or every import on one host): one fixed pool of object-sized buffers. A reader needs a
/// buffer to read a chunk and a write holds it until librbd completes, so the pool bounds
/// both the bytes in flight and the memory, however many disks run.
///
/// Windows are made by ``ImportWindow/sized(serving:buffers:maxBytesPerSecond:)`` and
/// ``ImportWindow/serving(_:shared:buffers:maxBytesPerSecond:)`` (in `ImportWindow+Sizing.swift`),
/// which size the buffers from the objects they will hold.
public final class ImportWindow: Sendable {
    let pool: BufferPool
    /// The shared bandwidth cap, if any.
    let rateLimiter: RateLimiter?

    init(buffers: Int, bufferSize: Int, rateLimiter: RateLimiter?) {
        pool = BufferPool(count: max(1, buffers), bufferSize: bufferSize)
        self.rateLimiter = rateLimiter
    }

    public var bufferSize: Int { pool.bufferSize }
    public var buffers: Int { pool.count }
}
