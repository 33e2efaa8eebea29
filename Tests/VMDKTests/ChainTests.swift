import VMDKFixtures
import Foundation
import Testing

@testable import VMDK

@Suite("Snapshot chains")
struct ChainTests {
    /// base (written) ← child (written over part of it), both made by qemu.
    @Test("two-level qemu chain against the oracle; unallocated falls through, data hides the parent")
    func twoLevel() throws {
        let scratch = try Scratch()
        let size: UInt64 = 4 << 20
        try Tool.qemuImg(["create", "-f", "vmdk", "base.vmdk", "\(size)"], in: scratch.path)
        try Tool.qemuIO("base.vmdk", ["write -P 0xb1 0 1048576", "write -P 0xb2 3145728 65536"], in: scratch.path)
        try Tool.qemuImg(["create", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", "child.vmdk"], in: scratch.path)
        try Tool.qemuIO("child.vmdk", ["write -P 0xc1 65536 4096", "write -P 0xc2 2097152 65536"], in: scratch.path)
        let (disk, bytes) = try checkAgainstQemu(scratch.file("child.vmdk"), scratch: scratch)
        #expect(disk.info.chain.count == 2)
        #expect(disk.info.chain[0].parentCID == disk.info.chain[1].cid)
        #expect(disk.info.chain[1].path.hasSuffix("base.vmdk"))
        #expect(bytes[0] == 0xb1 && bytes[65536] == 0xc1 && bytes[65536 + 4096] == 0xb1)
        let map = try disk.allocationMap()
        #expect(kind(at: 0, in: map) == .data)  // from the base
        #expect(kind(at: 2097152, in: map) == .data)  // from the child
        #expect(kind(at: 1_500_000, in: map) == .unallocated)  // nowhere
    }

    @Test("three levels: flat base, sparse middle, zeroed-grain top that zeroes base data")
    func threeLevel() throws {
        let scratch = try Scratch()
        let size: UInt64 = 3 << 20
        try Tool.qemuImg(
            ["create", "-f", "vmdk", "-o", "subformat=monolithicFlat", "base.vmdk", "\(size)"], in: scratch.path)
        try Tool.qemuIO("base.vmdk", ["write -P 0x0b 0 3145728"], in: scratch.path)
        try Tool.qemuImg(["create", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", "mid.vmdk"], in: scratch.path)
        try Tool.qemuIO("mid.vmdk", ["write -P 0x0d 131072 131072", "write -P 0x0e 1000000 3000"], in: scratch.path)
        try Tool.qemuImg(
            ["create", "-f", "vmdk", "-o", "zeroed_grain=on", "-b", "mid.vmdk", "-F", "vmdk", "top.vmdk"],
            in: scratch.path)
        try Tool.qemuIO("top.vmdk", ["write -z 196608 131072", "write -P 0x70 2097152 512"], in: scratch.path)
        let (disk, bytes) = try checkAgainstQemu(scratch.file("top.vmdk"), scratch: scratch)
        #expect(disk.info.chain.map { $0.createType } == ["monolithicSparse", "monolithicSparse", "monolithicFlat"])
        #expect(bytes[131072] == 0x0d && bytes[196608] == 0 && bytes[327680] == 0x0b && bytes[2097152] == 0x70)
        let map = try disk.allocationMap()
        #expect(kind(at: 196608, in: map) == .zero)  // zeroed in the top: the parents' data is hidden
        #expect(kind(at: 131072, in: map) == .data)
        #expect(!map.contains { $0.kind == .unallocated })  // the flat base covers everything
    }

    @Test("a parent modified after the snapshot (its CID changed) is refused naming both files and CIDs")
    func cidMismatch() throws {
        let scratch = try Scratch()
        try Tool.qemuImg(["create", "-f", "vmdk", "base.vmdk", "1M"], in: scratch.path)
        try Tool.qemuImg(["create", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", "child.vmdk"], in: scratch.path)
        try Tool.qemuIO("base.vmdk", ["write -P 1 0 512"], in: scratch.path)  // qemu gives base a new CID
        let error = expectOpenFails(scratch.file("child.vmdk"), .chainMismatch)
        #expect(error?.file.hasSuffix("child.vmdk") == true)
        #expect(error?.message.contains("base.vmdk") == true)
        #expect(error?.message.contains("parentCID=") == true)
    }

    @Test("an unrelated VMDK as parent is refused (iotest 225)")
    func unrelatedParent() throws {
        let scratch = try Scratch()
        try Tool.qemuImg(["create", "-f", "vmdk", "base.vmdk", "1M"], in: scratch.path)
        try Tool.qemuImg(["create", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", "child.vmdk"], in: scratch.path)
        try FileManager.default.removeItem(atPath: scratch.file("base.vmdk"))
        try Tool.qemuImg(["create", "-f", "vmdk", "base.vmdk", "1M"], in: scratch.path)
        expectOpenFails(scratch.file("child.vmdk"), .chainMismatch)
        try FileManager.default.removeItem(atPath: scratch.file("base.vmdk"))
        expectOpenFails(scratch.file("child.vmdk"), .notFound)
    }

    /// Flat layers with hand-written descriptors, for the chain-shape checks.
    static func layer(_ scratch: Scratch, _ name: String, cid: UInt32, parent: (String, UInt32)?, sectors: UInt64 = 8)
        throws
    {
        if !FileManager.default.fileExists(atPath: scratch.file("d.bin")) {
            try scratch.write("d.bin", [UInt8](repeating: 0x44, count: 65536))
        }
        try scratch.write(
            name,
            text: FixtureWriter.descriptor(
                createType: "monolithicFlat", extents: ["RW \(sectors) FLAT \"d.bin\" 0"], cid: cid,
                parentCID: parent?.1 ?? 0xffff_ffff, parentHint: parent?.0))
    }

    @Test("chains that loop are refused", arguments: ["self", "pair", "triangle"])
    func loops(shape: String) throws {
        let scratch = try Scratch()
        switch shape {
        case "self":
            try Self.layer(scratch, "a.vmdk", cid: 1, parent: ("a.vmdk", 1))
        case "pair":
            try Self.layer(scratch, "a.vmdk", cid: 1, parent: ("b.vmdk", 2))
            try Self.layer(scratch, "b.vmdk", cid: 2, parent: ("a.vmdk", 1))
        default:
            try Self.layer(scratch, "a.vmdk", cid: 1, parent: ("b.vmdk", 2))
            try Self.layer(scratch, "b.vmdk", cid: 2, parent: ("./c.vmdk", 3))
            try Self.layer(scratch, "c.vmdk", cid: 3, parent: ("a.vmdk", 1))
        }
        expectOpenFails(scratch.file("a.vmdk"), .chainLoop)
    }

    @Test("chains deeper than the limit are refused")
    func depth() throws {
        let scratch = try Scratch()
        for level in 0..<6 {
            try Self.layer(
                scratch, "l\(level).vmdk", cid: UInt32(level + 1),
                parent: level == 5 ? nil : ("l\(level + 1).vmdk", UInt32(level + 2)))
        }
        let disk = try VirtualDisk.open(scratch.file("l0.vmdk"))
        #expect(disk.info.chain.count == 6)
        expectOpenFails(scratch.file("l0.vmdk"), .chainTooDeep, options: OpenOptions(maximumChainDepth: 4))
    }

    @Test("a parent of a different size is refused")
    func capacityMismatch() throws {
        let scratch = try Scratch()
        try Self.layer(scratch, "a.vmdk", cid: 1, parent: ("b.vmdk", 2), sectors: 8)
        try Self.layer(scratch, "b.vmdk", cid: 2, parent: nil, sectors: 16)
        expectOpenFails(scratch.file("a.vmdk"), .chainMismatch)
    }

    @Test(
        "absolute hints from the source host fall back to the same name next to the child",
        arguments: [
            "/vmfs/volumes/5f1e-aa/vm/base.vmdk", "C:\\VMs\\Win10\\base.vmdk",
        ])
    func foreignHints(hint: String) throws {
        let scratch = try Scratch()
        try Self.layer(scratch, "base.vmdk", cid: 7, parent: nil)
        try Self.layer(scratch, "child.vmdk", cid: 8, parent: (hint, 7))
        let disk = try VirtualDisk.open(scratch.file("child.vmdk"))
        #expect(disk.info.chain.count == 2)
        #expect(disk.info.warnings.contains { $0.contains("not reachable as written") })
        // The fallback still demands matching CIDs.
        try Self.layer(scratch, "child2.vmdk", cid: 9, parent: (hint, 6))
        expectOpenFails(scratch.file("child2.vmdk"), .chainMismatch)
    }

    @Test("a parent in another folder needs an allowed root")
    func parentElsewhere() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.file("base"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.file("vm"), withIntermediateDirectories: true)
        try Tool.qemuImg(["create", "-f", "vmdk", "base/base.vmdk", "1M"], in: scratch.path)
        try Tool.qemuIO("base/base.vmdk", ["write -P 0x99 0 1024"], in: scratch.path)
        try Tool.qemuImg(
            ["create", "-f", "vmdk", "-b", "../base/base.vmdk", "-F", "vmdk", "vm/child.vmdk"], in: scratch.path)
        let error = expectOpenFails(scratch.file("vm/child.vmdk"), .pathEscape)
        #expect(error?.field == "parentFileNameHint")
        let options = OpenOptions(allowedRoots: [scratch.file("base")])
        let (disk, bytes) = try checkAgainstQemu(scratch.file("vm/child.vmdk"), scratch: scratch, options: options)
        #expect(bytes[0] == 0x99)
        #expect(disk.info.chain.count == 2)
    }
}
