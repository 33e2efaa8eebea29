@testable import Ferry
import Testing
import VMDK

@Suite("Zero scan")
struct ZeroScanTests {
    @Test("finds non-zero blocks at 4 KiB granularity, including a short tail")
    func ranges() {
        var bytes = [UInt8](repeating: 0, count: 5 * 4096 + 100)
        bytes[1] = 1  // block 0
        bytes[4096 * 2 + 4095] = 7  // block 2, its last byte
        bytes[4096 * 3] = 9  // block 3
        bytes[5 * 4096 + 99] = 3  // tail
        let ranges = bytes.withUnsafeBytes { ZeroScan.nonZeroRanges($0) }
        #expect(ranges == [0..<4096, 8192..<16384, 20480..<20580])
        #expect([UInt8](repeating: 0, count: 70000).withUnsafeBytes { ZeroScan.nonZeroRanges($0) }.isEmpty)
        // Scanning only the parts gives the whole-buffer answer, touching runs merged.
        bytes[4096 * 4] = 5  // block 4: touches block 3 across the part boundary
        let whole = bytes.withUnsafeBytes { ZeroScan.nonZeroRanges($0) }
        let parted = bytes.withUnsafeBytes { ZeroScan.nonZeroRanges($0, within: [0..<4096, 8192..<16384, 16384..<20580]) }
        #expect(parted == whole)
    }
}
