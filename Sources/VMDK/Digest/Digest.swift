/// A streaming message digest, for checking OVA members against their `.mf` manifest
/// without reading a multi-GiB disk into memory. (swift-crypto is not a dependency of
/// this module; these are the FIPS 180-4 algorithms, nothing more.)
protocol StreamingDigest {
    init()
    mutating func update(_ bytes: UnsafeRawBufferPointer)
    /// The digest; the value must not be updated afterwards.
    mutating func finalize() -> [UInt8]
}

/// The algorithms OVF manifests use.
enum DigestAlgorithm: String, Sendable, CaseIterable {
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha512 = "SHA512"

    /// Bytes in the digest.
    var size: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha512: 64
        }
    }

    func makeDigest() -> any StreamingDigest {
        switch self {
        case .sha1: SHA1()
        case .sha256: SHA256()
        case .sha512: SHA512()
        }
    }
}

/// Lower-case hex.
func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Buffers input into fixed-size blocks for a compression function, and appends the
/// Merkle–Damgård padding (0x80, zeros, big-endian bit length) shared by SHA-1/SHA-2.
struct BlockBuffer {
    let blockSize: Int
    private(set) var pending: [UInt8] = []
    private(set) var totalBytes: UInt64 = 0

    init(blockSize: Int) {
        self.blockSize = blockSize
        pending.reserveCapacity(blockSize)
    }

    /// Calls `compress` for every full block of `bytes` (after any pending bytes).
    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ compress: (UnsafeRawBufferPointer) -> Void) {
        totalBytes &+= UInt64(bytes.count)
        var index = 0
        if !pending.isEmpty {
            let take = min(blockSize - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            index = take
            if pending.count == blockSize {
                pending.withUnsafeBytes { compress($0) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - index >= blockSize {
            compress(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + blockSize)]))
            index += blockSize
        }
        if index < bytes.count { pending.append(contentsOf: bytes[index...]) }
    }

    /// Pads and compresses the final block(s). `lengthBytes` is 8 (SHA-1/256) or 16 (SHA-512).
    mutating func finish(lengthBytes: Int, _ compress: (UnsafeRawBufferPointer) -> Void) {
        let bits = totalBytes &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % blockSize != blockSize - lengthBytes { tail.append(0) }
        tail.append(contentsOf: [UInt8](repeating: 0, count: lengthBytes - 8))
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
        }
        tail.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                compress(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + blockSize)]))
                offset += blockSize
            }
        }
        pending.removeAll()
    }
}

extension UnsafeRawBufferPointer {
    func be32(_ offset: Int) -> UInt32 { UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    func be64(_ offset: Int) -> UInt64 { UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
}

func bigEndianBytes<T: FixedWidthInteger>(_ words: [T]) -> [UInt8] {
    var out: [UInt8] = []
    for word in words {
        for shift in stride(from: T.bitWidth - 8, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: word >> shift))
        }
    }
    return out
}
