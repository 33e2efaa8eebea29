import VMDKFixtures
import Foundation
import Testing

@testable import VMDK

/// ESXi snapshot deltas over a qemu-made base, checked against qemu-img reading the
/// same chain.
@Suite("vmfsSparse (COWD) and seSparse deltas")
struct DeltaFormatTests {
    static let capacity: UInt64 = 40 << 20

    /// base.vmdk: an ESXi flat disk full of 0x0b with a few patterned spots.
    static func base(_ scratch: Scratch) throws -> UInt32 {
        let cid: UInt32 = 0x5eed_0001
        var writes: [(UInt64, [UInt8])] = [(0, [UInt8](repeating: 0x0b, count: Int(capacity)))]
        writes.append((17 << 20, patternBytes(count: 100_000, seed: 17)))
        try FixtureWriter.esxiFlat(scratch, name: "base", size: capacity, writes: writes, cid: cid)
        return cid
    }

    @Test("COWD delta with 512-byte grains over a flat base", arguments: [UInt32(1), 8])
    func cowd(grainSectors: UInt32) throws {
        let scratch = try Scratch()
        let baseCID = try Self.base(scratch)
        let grainBytes = Int(grainSectors) * 512
        let grains: [(index: Int, data: [UInt8])] = [
            (0, patternBytes(count: grainBytes, seed: 1)), (1, patternBytes(count: grainBytes, seed: 2)),
            (5000 / Int(grainSectors), patternBytes(count: grainBytes, seed: 3)),
            (Int(Self.capacity) / grainBytes - 1, [UInt8](repeating: 0xdd, count: grainBytes)),
            (9000 / Int(grainSectors), [UInt8](repeating: 0, count: grainBytes)),
        ]
        try scratch.write(
            "vm-000001-delta.vmdk",
            DeltaWriter.cowd(capacitySectors: UInt32(Self.capacity / 512), grainSectors: grainSectors, grains: grains))
        try scratch.write(
            "vm-000001.vmdk",
            text: FixtureWriter.descriptor(
                createType: "vmfsSparse", extents: ["RW \(Self.capacity / 512) VMFSSPARSE \"vm-000001-delta.vmdk\""],
                cid: 0x0000_0002, parentCID: baseCID, parentHint: "base.vmdk"))
        let (disk, bytes) = try checkAgainstQemu(scratch.file("vm-000001.vmdk"), scratch: scratch)
        #expect(disk.info.chain.count == 2)
        #expect(disk.info.extents[0].format == "vmfsSparse")
        #expect(disk.info.extents[0].grainSize == UInt64(grainBytes))
        expectSameBytes(Array(bytes[0..<grainBytes]), patternBytes(count: grainBytes, seed: 1), "grain 0")
        #expect(bytes[2 * grainBytes] == 0x0b)
        #expect(bytes[Int(Self.capacity) - 1] == 0xdd)
    }

    @Test("seSparse delta: allocated (split grain numbers), zero and unmapped grains over a flat base")
    func seSparse() throws {
        let scratch = try Scratch()
        let baseCID = try Self.base(scratch)
        let grains: [Int: DeltaWriter.SEGrain] = [
            0: .data(patternBytes(count: 4096, seed: 1), physical: 4100),  // physical ≥ 4096 uses the high field
            1: .data(patternBytes(count: 4096, seed: 2), physical: 0),
            2: .zero,
            3: .unmapped,
            9000: .data(patternBytes(count: 4096, seed: 3), physical: 7),  // third table
            10239: .data([UInt8](repeating: 0xee, count: 4096), physical: 1),  // last grain
            9001: .zero,
        ]
        try scratch.write(
            "vm-000001-sesparse.vmdk", DeltaWriter.seSparse(capacitySectors: Self.capacity / 512, grains: grains))
        try scratch.write(
            "vm-000001.vmdk",
            text: FixtureWriter.descriptor(
                createType: "seSparse", extents: ["RW \(Self.capacity / 512) SESPARSE \"vm-000001-sesparse.vmdk\""],
                cid: 0x0000_0003, parentCID: baseCID, parentHint: "base.vmdk"))
        let (disk, bytes) = try checkAgainstQemu(scratch.file("vm-000001.vmdk"), scratch: scratch)
        #expect(disk.info.extents[0].format == "seSparse")
        expectSameBytes(Array(bytes[0..<4096]), patternBytes(count: 4096, seed: 1), "grain 0")
        #expect(bytes[2 * 4096..<4 * 4096].allSatisfy { $0 == 0 })  // zero and unmapped hide the base
        #expect(bytes[4 * 4096] == 0x0b)
        let map = try disk.allocationMap()
        #expect(kind(at: 2 * 4096, in: map) == .zero)
        #expect(kind(at: 3 * 4096, in: map) == .zero)
        #expect(kind(at: 4 * 4096, in: map) == .data)  // the flat base
    }

    @Test("three layers of three formats: flat base ← COWD ← seSparse")
    func mixedChain() throws {
        let scratch = try Scratch()
        let baseCID = try Self.base(scratch)
        let sectors = Self.capacity / 512
        try scratch.write(
            "s1-delta.vmdk",
            DeltaWriter.cowd(
                capacitySectors: UInt32(sectors), grainSectors: 8,
                grains: [(0, [UInt8](repeating: 0xc1, count: 4096)), (2, [UInt8](repeating: 0xc2, count: 4096))]))
        try scratch.write(
            "s1.vmdk",
            text: FixtureWriter.descriptor(
                createType: "vmfsSparse", extents: ["RW \(sectors) VMFSSPARSE \"s1-delta.vmdk\""], cid: 0x51,
                parentCID: baseCID, parentHint: "base.vmdk"))
        try scratch.write(
            "s2-sesparse.vmdk",
            DeltaWriter.seSparse(
                capacitySectors: sectors, grains: [1: .data([UInt8](repeating: 0x5e, count: 4096), physical: 3), 2: .zero]))
        try scratch.write(
            "s2.vmdk",
            text: FixtureWriter.descriptor(
                createType: "seSparse", extents: ["RW \(sectors) SESPARSE \"s2-sesparse.vmdk\""], cid: 0x52,
                parentCID: 0x51, parentHint: "s1.vmdk"))
        let (disk, bytes) = try checkAgainstQemu(scratch.file("s2.vmdk"), scratch: scratch)
        #expect(disk.info.chain.map(\.createType) == ["seSparse", "vmfsSparse", "vmfs"])
        #expect([bytes[0], bytes[4096], bytes[8192], bytes[12288]] == [0xc1, 0x5e, 0, 0x0b])
        let map = try disk.allocationMap()
        #expect(map.first?.kind == .data)
        #expect(kind(at: 8192, in: map) == .zero)
    }

    @Test("a COWD or seSparse delta opened without its descriptor is refused")
    func deltaAlone() throws {
        let scratch = try Scratch()
        try scratch.write("d.vmdk", DeltaWriter.cowd(capacitySectors: 8192, grains: [(0, [1])]))
        expectOpenFails(scratch.file("d.vmdk"), .unsupported)
        try scratch.write("s.vmdk", DeltaWriter.seSparse(capacitySectors: 8192, grains: [0: .zero]))
        expectOpenFails(scratch.file("s.vmdk"), .unsupported)
    }
}
