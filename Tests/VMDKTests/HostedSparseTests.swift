import Foundation
import Testing

@testable import VMDK

/// monolithicSparse and twoGbMaxExtentSparse written by qemu-img, checked byte for byte
/// against `qemu-img convert -O raw`.
@Suite("Hosted sparse (KDMV)")
struct HostedSparseTests {
    /// Writes recognisable data at scattered, partly unaligned offsets with qemu-io.
    static func fill(_ image: String, scratch: Scratch, size: UInt64, zeroRange: Bool = false) throws {
        let pattern = scratch.file("pattern.bin")
        if !FileManager.default.fileExists(atPath: pattern) {
            try scratch.write("pattern.bin", patternBytes(count: 300_000, seed: 7))
        }
        var commands = [
            "write -P 0x11 0 4096",
            "write -s \(pattern) 65024 131072",  // straddles the first grain boundary
            "write -P 0x5c \(size / 2 + 1536) 1024",
            "write -s \(pattern) \(size - 200_192) 200192",  // runs to the very end
        ]
        if zeroRange { commands.append("write -z \(size / 4) 262144") }
        try Tool.qemuIO(image, commands)
    }

    @Test(
        "monolithicSparse, several adapter types and hardware versions",
        arguments: [
            ("ide", false), ("lsilogic", false), ("buslogic", true), ("legacyESX", false),
        ])
    func monolithicSparse(adapter: String, compat6: Bool) throws {
        let scratch = try Scratch()
        let image = scratch.file("disk.vmdk")
        let size: UInt64 = 5 << 20
        var options = "subformat=monolithicSparse,adapter_type=\(adapter)"
        if compat6 { options += ",compat6=on" }
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", options, image, "\(size)"])
        try Self.fill(image, scratch: scratch, size: size)
        let (disk, _) = try checkAgainstQemu(image, scratch: scratch)
        #expect(disk.info.createType == "monolithicSparse")
        #expect(disk.info.adapterType == adapter)
        #expect(disk.info.extents.first?.format == "hostedSparse")
        #expect(disk.info.extents.first?.grainSize == 65536)
        #expect(disk.info.virtualHardwareVersion == (compat6 ? "6" : "4"))
        let map = try disk.allocationMap()
        #expect(kind(at: 0, in: map) == .data)
        #expect(kind(at: 65536, in: map) == .data)
        #expect(kind(at: 1 << 20, in: map) == .unallocated)
        #expect(kind(at: size - 1, in: map) == .data)
    }

    @Test("zeroed_grain=on: write -z gives zeroed grain entries reported as zero")
    func zeroedGrains() throws {
        let scratch = try Scratch()
        let image = scratch.file("zg.vmdk")
        let size: UInt64 = 4 << 20
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "zeroed_grain=on", image, "\(size)"])
        try Self.fill(image, scratch: scratch, size: size, zeroRange: true)
        let (disk, _) = try checkAgainstQemu(image, scratch: scratch)
        let map = try disk.allocationMap()
        #expect(kind(at: size / 4, in: map) == .zero)
        #expect(kind(at: size / 4 + 262_143, in: map) == .zero)
        #expect(disk.info.zeroBytes == 262_144)
        #expect(disk.info.extents.first?.headerVersion == 2)
    }

    @Test("capacity not a multiple of the grain", arguments: [1_000_448, 3_146_240, 590_336] as [UInt64])
    func oddCapacity(size: UInt64) throws {
        let scratch = try Scratch()
        let image = scratch.file("odd.vmdk")
        try Tool.qemuImg(["create", "-f", "vmdk", image, "\(size)"])
        try Tool.qemuIO(image, ["write -P 0x77 \(size - 1024) 1024", "write -P 0x12 0 512"])
        let (disk, bytes) = try checkAgainstQemu(image, scratch: scratch)
        #expect(disk.capacity == size)
        #expect(bytes[Int(size) - 1] == 0x77)
    }

    @Test("twoGbMaxExtentSparse: one descriptor, several sparse extents")
    func twoGbSparse() throws {
        let scratch = try Scratch()
        let image = scratch.file("split.vmdk")
        let size: UInt64 = (4 << 30) + (3 << 20)  // three extents, the last one tiny
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", image, "\(size)"])
        try Tool.qemuIO(
            image,
            [
                "write -P 0x21 0 4096", "write -P 0x22 2147482624 2048",  // across the first extent boundary
                "write -P 0x23 \(size - 4096) 4096",
            ])
        let disk = try VirtualDisk.open(image)
        #expect(disk.info.extents.count == 3)
        #expect(disk.info.extents.map(\.file).allSatisfy { $0?.hasSuffix(".vmdk") == true })
        #expect(try readRange(disk, 2_147_482_624, 2048) == [UInt8](repeating: 0x22, count: 2048))
        #expect(try readRange(disk, 2_147_482_624 - 1, 1) == [0])
        #expect(try readRange(disk, size - 4096, 4096) == [UInt8](repeating: 0x23, count: 4096))
        try checkMapInvariants(disk)
        let map = try disk.allocationMap()
        #expect(map.filter { $0.kind == .data }.map(\.length).reduce(0, +) == 4 * 65536)
        #expect(kind(at: 3 << 30, in: map) == .unallocated)
    }

    @Test("a smaller twoGbMaxExtentSparse disk against the oracle")
    func twoGbSparseOracle() throws {
        let scratch = try Scratch()
        let image = scratch.file("small-split.vmdk")
        let size: UInt64 = 6 << 20
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", image, "\(size)"])
        try Self.fill(image, scratch: scratch, size: size)
        try checkAgainstQemu(image, scratch: scratch)
    }

    @Test("converted from pseudo-random raw content")
    func convertedFromRaw() throws {
        let scratch = try Scratch()
        var raw = [UInt8](repeating: 0, count: 3 << 20)
        for (index, offset) in [0, 200_000, 1_048_576, 2_000_000, (3 << 20) - 65_536].enumerated() {
            let chunk = patternBytes(count: 40_000 + index * 5000, seed: UInt64(index + 100))
            let end = min(raw.count, offset + chunk.count)
            raw.replaceSubrange(offset..<end, with: chunk[0..<(end - offset)])
        }
        try scratch.write("source.raw", raw)
        let image = scratch.file("converted.vmdk")
        try Tool.qemuImg(["convert", "-f", "raw", "-O", "vmdk", scratch.file("source.raw"), image])
        let (_, bytes) = try checkAgainstQemu(image, scratch: scratch)
        expectSameBytes(bytes, raw, "against the raw source")
    }

    @Test("many readers at once read the same bytes")
    func concurrentReads() throws {
        let scratch = try Scratch()
        let image = scratch.file("par.vmdk")
        let size: UInt64 = 4 << 20
        try Tool.qemuImg(["create", "-f", "vmdk", image, "\(size)"])
        try Self.fill(image, scratch: scratch, size: size)
        let disk = try VirtualDisk.open(image)
        let expected = try readAll(disk)
        let chunk = 96 * 1024 + 512
        let count = (Int(size) + chunk - 1) / chunk
        let results = Results(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let offset = index * chunk
            let length = min(chunk, Int(size) - offset)
            results.set(
                index, (try? readRange(disk, UInt64(offset), length)) == Array(expected[offset..<(offset + length)]))
        }
        #expect(results.all)
    }
}

/// A lock-protected result array for the concurrency test.
final class Results: @unchecked Sendable {
    private var values: [Bool]
    private let lock = NSLock()
    init(count: Int) { values = [Bool](repeating: false, count: count) }
    func set(_ index: Int, _ value: Bool) { lock.withLock { values[index] = value } }
    var all: Bool { lock.withLock { values.allSatisfy { $0 } } }
}
