/// The one place import windows are sized. A buffer must hold a whole RBD object (a chunk
/// is at most one object) and, for a stream, a whole grain; librbd's object sizes run up to
/// 32 MiB (order 25), so a window sized for 4 MiB cannot serve a cluster whose
/// `rbd default order` is 23. Every window — one disk's, one VM's, a worker host's — is
/// made here from the sizes its imports need, learnt before any image is created
/// (``DiskImporter/requiredBufferSize()``).
extension ImportWindow {
    /// Buffers are never smaller than this: smaller objects fit, and a floor keeps a window
    /// sized for tiny objects from also refusing a stream's larger grains.
    static let smallestBufferSize = 1 << 20
    /// The buffer size serving every one of `sizes` (object or grain sizes in bytes).
    static func bufferSize(serving sizes: [UInt64]) -> Int {
        max(smallestBufferSize, Int(clamping: sizes.max() ?? 0))
    }

    /// A window of its own for imports needing buffers of `sizes` bytes.
    /// - Parameters:
    ///   - buffers: chunks read or written at once across the imports using it (write
    ///     window plus one per reader thread).
    ///   - maxBytesPerSecond: a cap on the data they move together; nil for none.
    public static func sized(
        serving sizes: [UInt64], buffers: Int, maxBytesPerSecond: UInt64? = nil
    ) -> ImportWindow {
        ImportWindow(
            buffers: buffers, bufferSize: bufferSize(serving: sizes),
            rateLimiter: maxBytesPerSecond.map(RateLimiter.init(bytesPerSecond:)))
    }

    /// The window imports needing buffers of `sizes` bytes run under: `shared` (another
    /// import's, or a worker host's) when its buffers hold them, else a window of their own.
    ///
    /// A worker's host-wide window is sized when it starts, from the cluster's default object
    /// size; a job whose plan asks for larger objects (or whose pool defaults to them) gets a
    /// window with the same byte budget in buffers that hold its objects (at least two, the
    /// least any window has: one read and one write) and keeps the host's bandwidth cap. Refusing
    /// such a job would make `object_size` useless on workers; growing every buffer to 32 MiB
    /// would multiply the memory of every other job by eight.
    static func serving(
        _ sizes: [UInt64], shared: ImportWindow?, buffers: Int, maxBytesPerSecond: UInt64?
    ) -> ImportWindow {
        let needed = bufferSize(serving: sizes)
        guard let shared else { return sized(serving: sizes, buffers: buffers, maxBytesPerSecond: maxBytesPerSecond) }
        if shared.bufferSize >= needed { return shared }
        let budget = shared.buffers * shared.bufferSize
        return ImportWindow(
            buffers: max(budget / needed, 2), bufferSize: needed,
            rateLimiter: shared.rateLimiter)
    }
}
