import CXXHash

/// XXH3-128, incremental: a fast, non-cryptographic 128-bit hash for checking that an
/// imported disk holds what its source holds (accidental corruption, not an adversary).
/// Not shared between threads.
public final class ContentHash {
    private let state: OpaquePointer
    private var finished = false

    public init() {
        guard let state = XXH3_createState(), XXH3_128bits_reset(state) == XXH_OK else {
            fatalError("xxHash could not allocate its state")
        }
        self.state = state
    }

    deinit { XXH3_freeState(state) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "hash updated after finish()")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = XXH3_128bits_update(state, base, bytes.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 16-byte digest in xxHash's canonical (big-endian) order, as `xxhsum -H2` prints it.
    public func finish() -> [UInt8] {
        precondition(!finished, "finish() called twice")
        finished = true
        var canonical = XXH128_canonical_t()
        XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state))
        return withUnsafeBytes(of: canonical.digest) { Array($0) }
    }
}
