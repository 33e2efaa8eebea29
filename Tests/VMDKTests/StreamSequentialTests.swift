import Foundation
import Testing

@testable import VMDK

/// streamOptimized read front to back (``SequentialDisk``), as from a pipe: the same bytes
/// as qemu-img's reading, and the same strictness as the random-access reader.
@Suite("streamOptimized read front to back")
struct StreamSequentialTests {
    @Test("qemu-img's streams (GD before the grains, redundant GD) equal qemu-img convert", arguments: [3_145_728, 198_144] as [UInt64])
    func qemuStreams(size: UInt64) throws {
        let scratch = try Scratch()
        var raw = [UInt8](repeating: 0, count: Int(size))
        raw.replaceSubrange(1000..<71_000, with: patternBytes(count: 70_000, seed: size))
        raw.replaceSubrange((Int(size) - 3000)..<Int(size), with: patternBytes(count: 3000, seed: 9))
        try scratch.write("in.raw", raw)
        let image = scratch.file("stream.vmdk")
        try Tool.qemuImg([
            "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", scratch.file("in.raw"), image,
        ])
        expectSameBytes(try sequentialRaw(image), try Tool.qemuRaw(image, scratch: scratch), "front to back")
    }

    @Test("VMware-layout streams (GT markers after their grains, GD and footer at the end)", arguments: [true, false])
    func footerStreams(fullLastGrain: Bool) throws {
        let scratch = try Scratch()
        try scratch.write("stream.vmdk", StreamWriter.vmwareLayoutSample(fullLastGrain: fullLastGrain).build())
        let image = scratch.file("stream.vmdk")
        expectSameBytes(try sequentialRaw(image), try Tool.qemuRaw(image, scratch: scratch), "front to back")
    }

    @Test("VMware's iotest-version3.vmdk through a pipe: the golden sha256 of qemu-img convert")
    func vmwareSampleThroughPipe() throws {
        let piped = try PipedFile(StreamOptimizedTests.sample)
        #expect(
            try sequentialSHA256(piped.source) == "0859bb3397bc1d30fa979c80a289ce98bfd6c1141a64594d6f3cc8cd68218faf")
    }

    @Test("a 24 MiB qemu-img stream through a pipe equals qemu-img convert")
    func largerThroughPipe() throws {
        let scratch = try Scratch()
        try Tool.qemuImg(["create", "-q", "-f", "vmdk", scratch.file("src.vmdk"), "24M"])
        try Tool.qemuIO(scratch.file("src.vmdk"), ["write -P 0x11 0 5M", "write -P 0x33 9M 3M", "write -P 0x55 23M 1M"])
        try Tool.qemuImg([
            "convert", "-f", "vmdk", "-O", "vmdk", "-o", "subformat=streamOptimized", scratch.file("src.vmdk"),
            scratch.file("s.vmdk"),
        ])
        let piped = try PipedFile(scratch.file("s.vmdk"))
        let expected = try Tool.qemuRaw(scratch.file("s.vmdk"), scratch: scratch)
        try scratch.write("expected.raw", expected)
        #expect(try sequentialSHA256(piped.source) == (try Tool.digest("sha256sum", scratch.file("expected.raw"))))
    }

    /// The base stream the malformed cases change: grains 0, 2 and 3 of a 5-grain disk.
    static func base() -> StreamWriter {
        var writer = StreamWriter(capacity: 5 * 65536)
        writer.grains = [
            0: patternBytes(count: 65536, seed: 1), 2: patternBytes(count: 65536, seed: 2),
            3: patternBytes(count: 65536, seed: 3),
        ]
        return writer
    }

    @Test(
        "malformed streams give a typed error naming the field and offset, never a crash",
        arguments: [
            "out of order", "duplicate", "past capacity", "misaligned lba", "GT points elsewhere", "GT omits a grain",
            "GT lists a missing grain", "bad deflate", "oversized marker size",
        ])
    func malformed(label: String) throws {
        var writer = Self.base()
        let expected: (VMDKError.Code, String)
        switch label {
        case "out of order":
            writer.markerOrder = [0, 3, 2]
            expected = (.corruptGrain, "grain marker lba")
        case "duplicate":
            writer.markerOrder = [0, 2, 2, 3]
            expected = (.corruptGrain, "grain marker lba")
        case "past capacity":
            writer.corruptLBA = 3
            writer.capacity = 4 * 65536
            expected = (.outOfBounds, "grain marker lba")
        case "misaligned lba":
            writer.misalignLBA = 2
            expected = (.corruptGrain, "grain marker lba")
        case "GT points elsewhere":
            writer.tableOverrides = [2: 200]
            expected = (.badTable, "grain table entry for grain 2")
        case "GT omits a grain":
            writer.tableOverrides = [3: 0]
            expected = (.badTable, "grain table entry for grain 3")
        case "GT lists a missing grain":
            writer.tableOverrides = [1: 128]
            expected = (.badTable, "grain table entry for grain 1")
        case "bad deflate":
            writer.corruptDeflate = 2
            expected = (.corruptGrain, "compressed grain 2")
        default:
            writer.sizeOverride = (2, 0x7fff_ffff)
            expected = (.corruptGrain, "grain marker size")
        }
        let scratch = try Scratch()
        try scratch.write("bad.vmdk", writer.build())
        do {
            _ = try sequentialRaw(scratch.file("bad.vmdk"))
            Issue.record("\(label): read without error")
        } catch let error as VMDKError {
            #expect(error.code == expected.0, "\(label): \(error)")
            #expect(error.field == expected.1, "\(label): \(error)")
            #expect(error.offset != nil, "\(label): \(error)")
            #expect(error.file.hasSuffix("bad.vmdk"))
        }
    }

    @Test("a stream cut anywhere is .truncated (or another typed error), never read as zeros")
    func truncations() throws {
        let scratch = try Scratch()
        let bytes = Self.base().build()
        var codes: Set<String> = []
        for cut in Set([0, 100, 511, 512, 1024, 65_536, 65_548, 70_000, bytes.count / 2, bytes.count - 1536,
                        bytes.count - 1024, bytes.count - 512, bytes.count - 1]) {
            try scratch.write("cut.vmdk", Array(bytes[0..<cut]))
            do {
                _ = try sequentialRaw(scratch.file("cut.vmdk"))
                Issue.record("cut at \(cut): read without error")
            } catch let error as VMDKError {
                codes.insert(error.code.description)
                #expect(
                    cut < 512 ? error.code == .truncated || error.code == .badMagic : error.code == .truncated,
                    "cut at \(cut): \(error)")
            }
        }
        #expect(codes.contains("truncated"))
    }

    @Test("a qemu-img stream (no end-of-stream marker) cut exactly between two grains is .truncated")
    func qemuStreamCutBetweenGrains() throws {
        let scratch = try Scratch()
        try scratch.write("in.raw", patternBytes(count: 1 << 20, seed: 12))
        let image = scratch.file("s.vmdk")
        try Tool.qemuImg(["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", scratch.file("in.raw"), image])
        // Walk the grain markers to find where the last grain starts.
        let bytes = try readFile(image)
        var offset = Int(bytes.le64(64)) * 512
        var lastMarker = offset
        while offset + 12 <= bytes.count, bytes.le32(offset + 8) != 0 {
            lastMarker = offset
            offset += (12 + Int(bytes.le32(offset + 8)) + 511) / 512 * 512
        }
        #expect(lastMarker > Int(bytes.le64(64)) * 512, "the stream has several grains")
        try scratch.write("cut.vmdk", Array(bytes[0..<lastMarker]))
        do {
            _ = try sequentialRaw(scratch.file("cut.vmdk"))
            Issue.record("a stream missing its last grain was read")
        } catch let error as VMDKError {
            #expect(error.code == .truncated, "\(error)")
            #expect(error.field == "grain table entry for grain 15", "\(error)")
        }
        // The whole file reads fine without an end-of-stream marker.
        expectSameBytes(try sequentialRaw(image), try Tool.qemuRaw(image, scratch: scratch), "uncut")
    }

    @Test("a footer that disagrees, data after the end-of-stream marker, and a monolithicSparse file are refused")
    func otherRefusals() throws {
        let scratch = try Scratch()
        var bytes = Self.base().build()
        // The footer's header copy says another capacity.
        var footer = bytes
        footer[footer.count - 1024 + 12] ^= 0x01
        try scratch.write("footer.vmdk", footer)
        #expect(throws: VMDKError.self) { try sequentialRaw(scratch.file("footer.vmdk")) }
        // Junk after the end-of-stream marker.
        bytes += [UInt8](repeating: 0, count: 512) + [0x42] + [UInt8](repeating: 0, count: 511)
        try scratch.write("junk.vmdk", bytes)
        do {
            _ = try sequentialRaw(scratch.file("junk.vmdk"))
            Issue.record("junk after the end-of-stream marker was accepted")
        } catch let error as VMDKError {
            #expect(error.code == .sizeMismatch, "\(error)")
        }
        // Trailing zeros (qemu-img pads its streams) are fine.
        try scratch.write("zeros.vmdk", Self.base().build() + [UInt8](repeating: 0, count: 4096))
        #expect(try sequentialRaw(scratch.file("zeros.vmdk")).count == 5 * 65536)
        try Tool.qemuImg(["create", "-q", "-f", "vmdk", scratch.file("sparse.vmdk"), "1M"])
        do {
            _ = try sequentialRaw(scratch.file("sparse.vmdk"))
            Issue.record("a monolithicSparse file was read as a stream")
        } catch let error as VMDKError {
            #expect(error.code == .unsupported, "\(error)")
        }
    }
}
