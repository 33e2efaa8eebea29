import Foundation
import Testing

@testable import VMDK

@Suite("streamOptimized")
struct StreamOptimizedTests {
    static let sample = peerData("qemu-samples/iotest-version3.vmdk")

    @Test(
        "qemu-img convert to streamOptimized (compressed grains, GD at the start)",
        arguments: [3_145_728, 198_144] as [UInt64])
    func qemuStream(size: UInt64) throws {
        let scratch = try Scratch()
        var raw = [UInt8](repeating: 0, count: Int(size))
        let chunk = patternBytes(count: 70_000, seed: size)
        raw.replaceSubrange(1000..<71_000, with: chunk)
        raw.replaceSubrange((Int(size) - 3000)..<Int(size), with: chunk[0..<3000])
        for index in stride(from: 131_072, to: Int(size) - 70_000, by: 262_144) {
            raw.replaceSubrange(index..<(index + 5000), with: repeatElement(UInt8(index % 251), count: 5000))
        }
        try scratch.write("in.raw", raw)
        let image = scratch.file("stream.vmdk")
        try Tool.qemuImg([
            "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", scratch.file("in.raw"), image,
        ])
        let (disk, bytes) = try checkAgainstQemu(image, scratch: scratch)
        expectSameBytes(bytes, raw, "against the raw source")
        #expect(disk.info.createType == "streamOptimized")
        #expect(disk.info.extents.first?.compressed == true)
        #expect(try disk.allocationMap().first?.kind == .data)
    }

    @Test("VMware-layout stream with footer, GT/GD markers and a disk ending mid-grain", arguments: [true, false])
    func footerStream(fullLastGrain: Bool) throws {
        let scratch = try Scratch()
        try scratch.write("stream.vmdk", StreamWriter.vmwareLayoutSample(fullLastGrain: fullLastGrain).build())
        let (disk, bytes) = try checkAgainstQemu(scratch.file("stream.vmdk"), scratch: scratch)
        expectSameBytes(Array(bytes[0..<65536]), patternBytes(count: 65536, seed: 1), "grain 0")
        expectSameBytes(Array(bytes[(10 * 65536)...]), patternBytes(count: 4096, seed: 10), "short last grain")
        let map = try disk.allocationMap()
        #expect(map.map(\.kind) == [.data, .unallocated, .data, .unallocated, .data])
        #expect(disk.info.warnings.contains { $0.contains("version 3") })
    }

    @Test("parallel readers inflate independently and agree with one reader")
    func parallel() throws {
        let scratch = try Scratch()
        var writer = StreamWriter(capacity: 64 * 65536)
        for grain in stride(from: 0, to: 64, by: 3) { writer.grains[grain] = patternBytes(count: 65536, seed: UInt64(grain)) }
        try scratch.write("p.vmdk", writer.build())
        let disk = try VirtualDisk.open(scratch.file("p.vmdk"))
        let expected = try readAll(disk)
        let chunk = 100_000  // not grain aligned: partial grains through the scratch buffer
        let count = (expected.count + chunk - 1) / chunk
        let results = Results(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let offset = index * chunk
            let length = min(chunk, expected.count - offset)
            results.set(index, (try? readRange(disk, UInt64(offset), length)) == Array(expected[offset..<(offset + length)]))
        }
        #expect(results.all)
    }

    @Test("govmomi's ttylinux disk: the first 1 MiB of a 30 MiB stream, footer missing")
    func truncatedStream() {
        let error = expectOpenFails(
            peerData("govmomi/vapi/library/testdata/ttylinux-pc_i486-16.1-disk1.vmdk"), .truncated)
        #expect(error?.field == "footer")
    }

    @Test("VMware's iotest-version3.vmdk: 16 GiB, version 3, GD in the footer")
    func vmwareSample() throws {
        let disk = try VirtualDisk.open(Self.sample)
        #expect(disk.capacity == 17_179_869_184)
        #expect(disk.info.createType == "streamOptimized")
        #expect(disk.info.cid == "a454774a")
        #expect(disk.info.adapterType == "lsilogic")
        #expect(disk.info.geometry == DiskInfo.Geometry(cylinders: 2088, heads: 255, sectors: 63))
        #expect(disk.info.extents.first?.headerVersion == 3)
        // qemu-iotests 059: sector i*1281 holds '0' + i % 10.
        for i in 0..<100 {
            let offset = UInt64(i) * 655_360 + UInt64(i) * 512
            #expect(
                try readRange(disk, offset, 512) == [UInt8](repeating: 0x30 + UInt8(i % 10), count: 512), "read \(i)")
        }
        // The allocation map matches `qemu-img map` of the same file.
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Self.sample + ".qemu-img-map.json"))) as! [[String: Any]]
        let qemuData = json.filter { $0["data"] as? Bool == true }.map {
            ($0["start"] as! NSNumber)
                .uint64Value..<(($0["start"] as! NSNumber).uint64Value + ($0["length"] as! NSNumber).uint64Value)
        }
        let ours = try disk.allocationMap().filter { $0.kind == .data }.map { $0.offset..<$0.end }
        #expect(ours == qemuData)
        #expect(disk.info.allocatedBytes == 151 * 65536)
        try checkMapInvariants(disk)
        // Every allocated grain holds exactly 512 non-zero bytes.
        for range in ours {
            let bytes = try readRange(disk, range.lowerBound, Int(range.upperBound - range.lowerBound))
            #expect(bytes.filter { $0 != 0 }.count == 512 * Int((range.upperBound - range.lowerBound) / 65536))
        }
    }

    /// Writes Ferry's view of the sample into a sparse raw file (data runs only) and lets
    /// `qemu-img compare` check every byte against qemu's own reading of the VMDK.
    @Test("iotest-version3.vmdk equals qemu's reading (qemu-img compare)")
    func vmwareSampleCompare() throws {
        let scratch = try Scratch()
        let disk = try VirtualDisk.open(Self.sample)
        let raw = scratch.file("ferry.raw")
        _ = FileManager.default.createFile(atPath: raw, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: raw))
        try handle.truncate(atOffset: disk.capacity)
        for run in try disk.allocationMap() where run.kind == .data {
            try handle.seek(toOffset: run.offset)
            try handle.write(contentsOf: Data(try readRange(disk, run.offset, Int(run.length))))
        }
        try handle.close()
        try Tool.qemuImg(["compare", "-f", "raw", "-F", "vmdk", raw, Self.sample])
        // The golden whole-disk digest from qemu-samples/NOTES.md (hashes 16 GiB of a sparse file, ~10 s).
        #expect(try Tool.digest("sha256sum", raw) == "0859bb3397bc1d30fa979c80a289ce98bfd6c1141a64594d6f3cc8cd68218faf")
    }
}
