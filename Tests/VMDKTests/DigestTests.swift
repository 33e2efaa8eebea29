import Foundation
import Hashing
import Testing

@testable import VMDK

@Suite("Digests")
struct DigestTests {
    static func digest(_ algorithm: HashAlgorithm, _ bytes: [UInt8], split: Int? = nil) -> String {
        let hasher = StreamingHash(algorithm)
        bytes.withUnsafeBytes { raw in
            if let split {
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<split]))
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[split...]))
            } else {
                hasher.update(raw)
            }
        }
        return hasher.finish().hexString
    }

    @Test("FIPS 180 test vectors")
    func vectors() {
        let abc = Array("abc".utf8)
        #expect(Self.digest(.sha1, abc) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Self.digest(.sha256, abc) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Self.digest(.sha512, abc)
                == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        )
        #expect(Self.digest(.sha256, []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(Self.digest(.sha1, long) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(
            Self.digest(.sha256, long, split: 13) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("agrees with sha1sum/sha256sum/sha512sum on odd-sized input fed in pieces")
    func againstCoreutils() throws {
        let scratch = try Scratch()
        let data = patternBytes(count: 200_003, seed: 42)
        try scratch.write("d.bin", data)
        #expect(Self.digest(.sha1, data, split: 63) == (try Tool.digest("sha1sum", scratch.file("d.bin"))))
        #expect(Self.digest(.sha256, data, split: 64) == (try Tool.digest("sha256sum", scratch.file("d.bin"))))
        #expect(Self.digest(.sha512, data, split: 129) == (try Tool.digest("sha512sum", scratch.file("d.bin"))))
    }
}
