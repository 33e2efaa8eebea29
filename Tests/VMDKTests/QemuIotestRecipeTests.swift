import Foundation
import Testing

@testable import VMDK

/// The positive cases of qemu-iotests 059 (qemu-samples/NOTES.md), on sparse files so the
/// terabyte-sized ones cost nothing.
@Suite("qemu iotest 059 recipes")
struct QemuIotestRecipeTests {
    @Test("#6: twoGbMaxExtentFlat 1000G has 500 extents; data written at 990G reads back")
    func thousandGigabytes() throws {
        let scratch = try Scratch()
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentFlat", "t.vmdk", "1000G"], in: scratch.path)
        try Tool.qemuIO("t.vmdk", ["write -P 0x0a 990G 512"], in: scratch.path)
        let disk = try VirtualDisk.open(scratch.file("t.vmdk"))
        #expect(disk.info.extents.count == 500)
        #expect(disk.info.extents.allSatisfy { $0.size == 2_147_483_648 })
        #expect(disk.info.extents[1].file?.hasSuffix("t-f002.vmdk") == true)
        #expect(try readRange(disk, 990 << 30, 513) == [UInt8](repeating: 0x0a, count: 512) + [0])
        // qemu's file creation writes the first 4 KiB of every extent file (to probe the
        // alignment), so each of the 500 files has one small data run, plus the write.
        let map = try disk.allocationMap()
        #expect(kind(at: 990 << 30, in: map) == .data)
        #expect(kind(at: (990 << 30) + 1_048_576, in: map) == .zero)
        #expect(disk.info.allocatedBytes < 10 << 20)
    }

    @Test("#13: monolithicFlat 4T, 0x0a written at 900G")
    func fourTerabytes() throws {
        let scratch = try Scratch()
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "subformat=monolithicFlat", "f.vmdk", "4T"], in: scratch.path)
        try Tool.qemuIO("f.vmdk", ["write -P 0x0a 900G 512"], in: scratch.path)
        let disk = try VirtualDisk.open(scratch.file("f.vmdk"))
        #expect(disk.capacity == 4 << 40)
        #expect(try readRange(disk, 900 << 30, 512) == [UInt8](repeating: 0x0a, count: 512))
        #expect(disk.info.allocatedBytes <= 1 << 20)
    }

    @Test("#14: allocation of 1 KiB writes straddling a grain, an extent boundary and at 5G", arguments: [
        "monolithicSparse", "twoGbMaxExtentSparse",
    ])
    func map(subformat: String) throws {
        let scratch = try Scratch()
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "subformat=\(subformat)", "t.vmdk", "31G"], in: scratch.path)
        try Tool.qemuIO("t.vmdk", ["write 65024 1k", "write 2147483136 1k", "write 5G 1k"], in: scratch.path)
        let disk = try VirtualDisk.open(scratch.file("t.vmdk"))
        let data = try disk.allocationMap().filter { $0.kind == .data }.map { [$0.offset, $0.length] }
        // qemu-img map lists the same ranges (059.out); it only splits 0x7fff0000+0x20000
        // at the extent boundary for the split subformat, which a merged map does not.
        #expect(data == [[0, 0x20000], [0x7fff_0000, 0x20000], [0x1_4000_0000, 0x10000]])
    }

    /// qemu rewrites a descriptor file in place when a write changes the CID, padding with
    /// NULs; a new CID with fewer hex digits leaves the old text's last bytes behind the new
    /// text's NUL. A full test run met one (a six-digit CID: text, NUL, "\n", NULs); built here exactly.
    @Test("a descriptor qemu rewrote with a shorter CID opens; other bytes after the text do not")
    func rewrittenWithShorterCID() throws {
        let scratch = try Scratch()
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "subformat=monolithicFlat", "f.vmdk", "8M"], in: scratch.path)
        try Tool.qemuIO("f.vmdk", ["write -P 0x3c 1M 64k"], in: scratch.path)
        let original = try String(contentsOfFile: scratch.file("f.vmdk"), encoding: .utf8)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\0"))
        let cidLine = try #require(original.split(separator: "\n").first { $0.hasPrefix("CID=") })
        // qemu prints the CID without leading zeros (1 in 16 CIDs has 7 digits, found by a
        // full run): the new one is always two digits shorter than the old.
        let shorterCID = "CID=" + String(repeating: "a", count: cidLine.count - "CID=".count - 2)
        let shorter = original.replacingOccurrences(of: String(cidLine), with: shorterCID)
        let lost = original.utf8.count - shorter.utf8.count
        #expect(lost == 2)
        func descriptor(after text: String, leftover: [UInt8]) -> [UInt8] {
            var bytes = Array(text.utf8) + [0] + leftover
            bytes += [UInt8](repeating: 0, count: (bytes.count + 511) / 512 * 512 - bytes.count)
            return bytes
        }
        // What qemu leaves: the old text's last byte behind the NUL.
        try scratch.write("f.vmdk", descriptor(after: shorter, leftover: Array(original.utf8.suffix(lost - 1))))
        let (disk, _) = try checkAgainstQemu(scratch.file("f.vmdk"), scratch: scratch)
        #expect(disk.info.allocatedBytes > 0)

        // Binary bytes, or more text than a CID rewrite leaves, are not a descriptor (within
        // the first sector they are caught by the text-or-magic test).
        try scratch.write("f.vmdk", descriptor(after: shorter, leftover: [0x0a, 0x01, 0xff]))
        _ = expectOpenFails(scratch.file("f.vmdk"), .badMagic)
        try scratch.write("f.vmdk", descriptor(after: shorter, leftover: Array(repeating: 0x41, count: 40)))
        _ = expectOpenFails(scratch.file("f.vmdk"), .badMagic)
        // Past the first sector, the descriptor check says so.
        let padded = shorter + String(repeating: "# comment\n", count: 60)
        try scratch.write("f.vmdk", descriptor(after: padded, leftover: [0x01]))
        let late = expectOpenFails(scratch.file("f.vmdk"), .badDescriptor)
        #expect(late?.message.contains("NUL") == true)
    }

    @Test("#9: a qcow2 with 4 KiB clusters converted to streamOptimized")
    func fromQcow2() throws {
        let scratch = try Scratch()
        try Tool.qemuImg(["create", "-f", "qcow2", "-o", "cluster_size=4096", "q.qcow2", "2M"], in: scratch.path)
        try Tool.run("qemu-io", ["-f", "qcow2", "-c", "write -P 0x41 4096 12288", "-c", "write -P 0x42 1048000 70000", "q.qcow2"], in: scratch.path)
        try Tool.qemuImg(["convert", "-f", "qcow2", "-O", "vmdk", "-o", "subformat=streamOptimized", "q.qcow2", "s.vmdk"], in: scratch.path)
        let (_, bytes) = try checkAgainstQemu(scratch.file("s.vmdk"), scratch: scratch)
        expectSameBytes(bytes, try Tool.qemuRaw(scratch.file("q.qcow2"), scratch: scratch, format: "qcow2"), "against the qcow2")
    }
}
