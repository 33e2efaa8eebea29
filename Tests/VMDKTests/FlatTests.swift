import VMDKFixtures
import Foundation
import Testing

@testable import VMDK

@Suite("Flat extents (monolithicFlat, twoGbMaxExtentFlat, ESXi vmfs, custom)")
struct FlatTests {
    @Test("monolithicFlat against the oracle; holes in the flat file are reported as zero")
    func monolithicFlat() throws {
        let scratch = try Scratch()
        let image = scratch.file("flat.vmdk")
        let size: UInt64 = 5 << 20
        try Tool.qemuImg([
            "create", "-f", "vmdk", "-o", "subformat=monolithicFlat,adapter_type=lsilogic", image, "\(size)",
        ])
        try HostedSparseTests.fill(image, scratch: scratch, size: size)
        let (disk, _) = try checkAgainstQemu(image, scratch: scratch)
        #expect(disk.info.createType == "monolithicFlat")
        #expect(disk.info.extents.count == 1)
        #expect(disk.info.extents[0].type == "FLAT")
        #expect(disk.info.extents[0].file?.hasSuffix("flat-flat.vmdk") == true)
        let map = try disk.allocationMap()
        #expect(kind(at: 0, in: map) == .data)
        #expect(kind(at: 2 << 20, in: map) == .zero)  // never written: a hole in the -flat file
        #expect(!map.contains { $0.kind == .unallocated })
    }

    @Test("twoGbMaxExtentFlat: extents of 2 GiB, reads across the boundary")
    func twoGbFlat() throws {
        let scratch = try Scratch()
        let image = scratch.file("tf.vmdk")
        let size: UInt64 = (4 << 30) + (1 << 20)
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentFlat", image, "\(size)"])
        try Tool.qemuIO(
            image, ["write -P 0x31 2147482624 2048", "write -P 0x32 \(size - 512) 512", "write -P 0x33 0 512"])
        let disk = try VirtualDisk.open(image)
        #expect(disk.info.extents.count == 3)
        #expect(disk.info.extents.map(\.offset) == [0, 2 << 30, 4 << 30])
        #expect(try readRange(disk, 2_147_482_624, 2048) == [UInt8](repeating: 0x31, count: 2048))
        #expect(try readRange(disk, size - 513, 513) == [0] + [UInt8](repeating: 0x32, count: 512))
        try checkMapInvariants(disk)
        let map = try disk.allocationMap()
        #expect(kind(at: 2_147_482_624, in: map) == .data)
        #expect(kind(at: 1 << 30, in: map) == .zero)
    }

    @Test("small twoGbMaxExtentFlat against the oracle")
    func twoGbFlatOracle() throws {
        let scratch = try Scratch()
        let image = scratch.file("tfs.vmdk")
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentFlat", image, "3M"])
        try HostedSparseTests.fill(image, scratch: scratch, size: 3 << 20)
        try checkAgainstQemu(image, scratch: scratch)
    }

    @Test(
        "ESXi vmfs descriptor + -flat.vmdk (thin, with holes)",
        arguments: [
            "vmfs", "vmfsThin", "vmfsPreallocated", "vmfsEagerZeroedThick",
        ])
    func esxiVmfs(createType: String) throws {
        let scratch = try Scratch()
        let size: UInt64 = 4 << 20
        try FixtureWriter.esxiFlat(
            scratch, name: "vm", createType: createType, size: size,
            writes: [
                (0, patternBytes(count: 8192, seed: 3)), (1_000_001, patternBytes(count: 70_000, seed: 4)),
                (size - 4096, [UInt8](repeating: 0xEE, count: 4096)),
            ])
        let image = scratch.file("vm.vmdk")
        let qemuImage = createType == "vmfs" ? image : try qemuReadableCopy(image, createType: "vmfs")
        let (disk, _) = try checkAgainstQemu(image, scratch: scratch, qemuImage: qemuImage)
        #expect(disk.info.createType == createType)
        #expect(disk.info.extents[0].type == "VMFS")
        #expect(disk.info.thinProvisioned == true)
        #expect(disk.info.uuid == "60 00 C2 9c b4 0d 12 d5-0f a9 7b 45 97 ab b7 1c")
        #expect(kind(at: 2 << 20, in: try disk.allocationMap()) == .zero)
    }

    @Test("custom descriptor: FLAT extents at offsets inside one file")
    func customOffsets() throws {
        let scratch = try Scratch()
        let content = patternBytes(count: 1 << 20, seed: 9)
        try scratch.write("data.bin", content)
        try scratch.write(
            "custom.vmdk",
            text: FixtureWriter.descriptor(
                createType: "custom",
                extents: [
                    "RW 512 FLAT \"data.bin\" 1024", "RW 1024 FLAT \"data.bin\" 0", "RDONLY 256 FLAT \"data.bin\" 1792",
                ]))
        let (disk, bytes) = try checkAgainstQemuIgnoringReadOnly(scratch)
        #expect(disk.info.extents.map(\.fileOffset) == [512 * 1024, 0, 1792 * 512])
        expectSameBytes(Array(bytes[0..<262_144]), Array(content[524_288..<786_432]), "extent 1")
        expectSameBytes(Array(bytes[262_144..<786_432]), Array(content[0..<524_288]), "extent 2")
        expectSameBytes(Array(bytes[786_432...]), Array(content[917_504..<1_048_576]), "extent 3 (read-only)")
    }

    /// qemu silently drops RDONLY extents from a descriptor; compare only the RW prefix.
    private func checkAgainstQemuIgnoringReadOnly(_ scratch: Scratch) throws -> (VirtualDisk, [UInt8]) {
        let disk = try VirtualDisk.open(scratch.file("custom.vmdk"))
        let ours = try readAll(disk)
        let qemu = try Tool.qemuRaw(
            qemuReadableCopy(scratch.file("custom.vmdk"), createType: "monolithicFlat"), scratch: scratch)
        #expect(qemu.count == 786_432, "qemu ignores the RDONLY extent")
        expectSameBytes(Array(ours[0..<qemu.count]), qemu, "RW extents")
        return (disk, ours)
    }

    @Test("ZERO extents read as zeros and are mapped as zero (qemu drops them)")
    func zeroExtents() throws {
        let scratch = try Scratch()
        let content = patternBytes(count: 262_144, seed: 11)
        try scratch.write("a.bin", content)
        try scratch.write(
            "z.vmdk",
            text: FixtureWriter.descriptor(
                createType: "custom",
                extents: [
                    "RW 256 FLAT \"a.bin\" 0", "RW 2048 ZERO", "RW 256 FLAT \"a.bin\" 256",
                ]))
        let disk = try VirtualDisk.open(scratch.file("z.vmdk"))
        #expect(disk.capacity == (256 + 2048 + 256) * 512)
        let bytes = try readAll(disk)
        expectSameBytes(Array(bytes[0..<131_072]), Array(content[0..<131_072]), "first")
        #expect(bytes[131_072..<(131_072 + 1_048_576)].allSatisfy { $0 == 0 })
        expectSameBytes(Array(bytes[(131_072 + 1_048_576)...]), Array(content[131_072...]), "last")
        let map = try disk.allocationMap()
        #expect(map.map(\.kind) == [.data, .zero, .data])
        // qemu skips the ZERO line, so its disk is 1 MiB shorter and the last extent moves.
        let qemu = try Tool.qemuRaw(
            qemuReadableCopy(scratch.file("z.vmdk"), createType: "monolithicFlat"), scratch: scratch)
        #expect(qemu.count == 262_144)
    }

    @Test("flat file shorter than the descriptor says is refused (qemu reads zeros)")
    func shortFlat() throws {
        let scratch = try Scratch()
        let image = scratch.file("short.vmdk")
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "subformat=monolithicFlat", image, "2M"])
        try truncateFile(scratch.file("short-flat.vmdk"), to: 1 << 20)
        expectOpenFails(image, .sizeMismatch)
    }

    @Test("virt-manager's real ESX vmfs descriptor: the missing -flat.vmdk is reported")
    func virtConvMissingFlat() throws {
        let error = expectOpenFails(
            peerData("virt-manager-virtconv/virtconv-files/vmx_input/vmx-dir/test-vmdk-desc.vmdk"), .notFound)
        #expect(error?.message.contains("ESX4.0-rhel4u8-32b-flat.vmdk") == true)
    }

    @Test("the same descriptor next to a flat file of the right size opens as a 6 GiB thin disk")
    func virtConvWithFlat() throws {
        let scratch = try Scratch()
        let original = try String(
            contentsOfFile: peerData("virt-manager-virtconv/virtconv-files/vmx_input/vmx-dir/test-vmdk-desc.vmdk"),
            encoding: .utf8)
        try scratch.write("test-vmdk-desc.vmdk", text: original)
        _ = FileManager.default.createFile(atPath: scratch.file("ESX4.0-rhel4u8-32b-flat.vmdk"), contents: nil)
        try truncateFile(scratch.file("ESX4.0-rhel4u8-32b-flat.vmdk"), to: 12_582_912 * 512)
        let disk = try VirtualDisk.open(scratch.file("test-vmdk-desc.vmdk"))
        #expect(disk.capacity == 6 << 30)
        #expect(disk.info.createType == "vmfs")
        #expect(disk.info.cid == "4164f1a0")
        #expect(disk.info.adapterType == "lsilogic")
        #expect(disk.info.zeroBytes == 6 << 30)
        #expect(disk.info.description.contains("6 GiB"))
    }
}
