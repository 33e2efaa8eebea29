@testable import Ferry
import Testing
import VMDK

@Suite("Content digest")
struct ContentDigestTests {
    @Test("depends on content and position only, not on how the object was read")
    func canonical() {
        var object = [UInt8](repeating: 0, count: 64 * 1024)
        object[5000] = 1
        object[40000] = 2
        let whole = object.withUnsafeBytes { ContentDigest.object($0, at: 1 << 22, ranges: ZeroScan.nonZeroRanges($0)) }
        // The same content read as a chunk starting at the first non-zero 4 KiB block.
        let part = object[4096...].withUnsafeBytes {
            ContentDigest.object($0, at: (1 << 22) + 4096, ranges: ZeroScan.nonZeroRanges($0))
        }
        #expect(whole != nil && whole == part)
        let elsewhere = object.withUnsafeBytes { ContentDigest.object($0, at: 2 << 22, ranges: ZeroScan.nonZeroRanges($0)) }
        #expect(elsewhere != whole)
        #expect([UInt8](repeating: 0, count: 8192).withUnsafeBytes { ContentDigest.object($0, at: 0, ranges: []) } == nil)
        let empty = ContentDigest.combine([:], objectSize: 4 << 20)
        // XXH3-128 of no input, as `xxhsum -H2` prints it.
        #expect(empty == "ferry-v2:4194304:xxh3-128:99aa06d3014798d86001c324468d497f")
    }
}
