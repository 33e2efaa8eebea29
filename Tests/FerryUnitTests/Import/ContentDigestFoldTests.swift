@testable import Ferry
import Testing
import VMDK

@Suite("Content digest folded as objects arrive")
struct ContentDigestFoldTests {
    @Test("digests folded as they arrive, out of order, equal the digest of them all at once")
    func digestFold() {
        let objectSize: UInt64 = 4 << 20
        // 300 chunks; every third covers an all-zero object (no digest), one covers two objects.
        var reports: [(sequence: Int, objects: [(object: UInt64, digest: [UInt8])])] = []
        var all: [UInt64: [UInt8]] = [:]
        var object: UInt64 = 3
        for sequence in 0..<300 {
            var objects: [(object: UInt64, digest: [UInt8])] = []
            if sequence % 3 != 0 {
                let digest = (0..<16).map { UInt8(truncatingIfNeeded: sequence &* 31 &+ $0) }
                objects.append((object, digest))
                all[object] = digest
                if sequence == 100 {
                    object += 1
                    objects.append((object, [UInt8](repeating: 7, count: 16)))
                    all[object] = [UInt8](repeating: 7, count: 16)
                }
            }
            reports.append((sequence, objects))
            object += UInt64(1 + sequence % 4)
        }
        var generator = SystemRandomNumberGenerator()
        for start in stride(from: 0, to: reports.count, by: 8) {
            reports[start..<min(start + 8, reports.count)].shuffle(using: &generator)
        }
        let fold = ContentDigestFold(objectSize: objectSize)
        for report in reports { fold.add(sequence: report.sequence, objects: report.objects) }
        #expect(fold.finish(count: 300) == ContentDigest.combine(all, objectSize: objectSize))
        #expect(ContentDigestFold(objectSize: objectSize).finish(count: 0) == ContentDigest.combine([:], objectSize: objectSize))
    }
}
