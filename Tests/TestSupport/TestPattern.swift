/// Deterministic bytes that differ at every offset, so a write landing at the wrong place
/// or a torn read cannot go unnoticed.
public enum TestPattern {
    /// The pattern byte for absolute byte `offset` under `seed` (a 64-bit mix, not a repeat).
    @inline(__always)
    public static func byte(at offset: UInt64, seed: UInt64) -> UInt8 {
        var x = (offset / 8) &+ seed &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        x ^= x >> 31
        return UInt8(truncatingIfNeeded: x >> ((offset % 8) * 8))
    }

    public static func bytes(at offset: UInt64, count: Int, seed: UInt64) -> [UInt8] {
        (0..<count).map { byte(at: offset + UInt64($0), seed: seed) }
    }
}

/// Heap memory that stays put while asynchronous I/O uses it, freed when the owner goes.
public final class TestBuffer: @unchecked Sendable {
    public let bytes: UnsafeMutableRawBufferPointer

    public init(count: Int) {
        bytes = .allocate(byteCount: count, alignment: 4096)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
    }

    public convenience init(_ contents: [UInt8]) {
        self.init(count: contents.count)
        bytes.copyMemory(from: UnsafeRawBufferPointer(start: contents, count: contents.count))
    }

    public var array: [UInt8] { Array(bytes) }

    deinit { bytes.deallocate() }
}
