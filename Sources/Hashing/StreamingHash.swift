import CCrypto

/// The digest algorithms Ferry uses: OVF manifests name SHA1, SHA256 or SHA512; image
/// digests use SHA256.
public enum HashAlgorithm: String, Sendable, CaseIterable, Codable {
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha512 = "SHA512"

    /// Bytes in the digest.
    public var size: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha512: 64
        }
    }

    fileprivate var evp: OpaquePointer? {
        switch self {
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        case .sha512: EVP_sha512()
        }
    }
}

/// An incremental message digest over OpenSSL's EVP interface (`EVP_DigestInit_ex`,
/// `EVP_DigestUpdate`, `EVP_DigestFinal_ex`). Not shared between threads.
public final class StreamingHash {
    public let algorithm: HashAlgorithm
    private let context: OpaquePointer
    private var finished = false

    public init(_ algorithm: HashAlgorithm) {
        self.algorithm = algorithm
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, algorithm.evp, nil) == 1 else {
            // Only allocation failure gets here; there is no sensible way to continue.
            fatalError("OpenSSL could not initialise a \(algorithm.rawValue) digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "digest updated after finish()")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest bytes; the hash cannot be updated afterwards.
    public func finish() -> [UInt8] {
        precondition(!finished, "finish() called twice")
        finished = true
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &output, &length)
        return Array(output.prefix(Int(length)))
    }

    /// One-shot digest of a buffer.
    public static func digest(_ algorithm: HashAlgorithm, of bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let hash = StreamingHash(algorithm)
        hash.update(bytes)
        return hash.finish()
    }
}

extension Array where Element == UInt8 {
    /// Lowercase hex, as sha256sum and OVF manifests print digests.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
