import Foundation
import Testing

@testable import VMDK

/// qemu-img (like Workstation) writes monolithicSparse files with a redundant grain
/// directory and tables: a damaged primary copy is read around, copies that disagree are
/// refused.
@Suite("Redundant grain directory")
struct RedundantDirectoryTests {
    /// Where both copies of the metadata are.
    struct Layout {
        let gd: UInt64
        let gt0: UInt64
        let rgd: UInt64
        let rgt0: UInt64

        init(_ path: String) throws {
            let bytes = try readFile(path)
            #expect(bytes.le32(8) & 0x2 != 0, "qemu-img set the redundant-directory flag")
            gd = bytes.le64(56) * 512
            gt0 = UInt64(bytes.le32(Int(gd))) * 512
            rgd = bytes.le64(48) * 512
            rgt0 = UInt64(bytes.le32(Int(rgd))) * 512
        }
    }

    /// A 4 MiB disk with data in grains 0, 1 and 63, and the oracle of the undamaged file.
    static func fixture(_ scratch: Scratch) throws -> (path: String, layout: Layout, expected: [UInt8]) {
        let path = try MalformedInputTests.sparse(scratch)
        return (path, try Layout(path), try Tool.qemuRaw(path, scratch: scratch))
    }

    @Test(
        "a damaged primary directory or table is read through the redundant copy, with a warning",
        arguments: ["GD entry past EOF", "GD entry into the header", "GT entry past EOF", "GT entry into the metadata"])
    func damagedPrimary(damage: String) throws {
        let scratch = try Scratch()
        let (path, layout, expected) = try Self.fixture(scratch)
        switch damage {
        case "GD entry past EOF": try pokeLE32(path, at: layout.gd, 0x00ff_ffff)
        case "GD entry into the header": try pokeLE32(path, at: layout.gd, 1)
        case "GT entry past EOF": try pokeLE32(path, at: layout.gt0 + 4, 0x7fff_0000)
        default: try pokeLE32(path, at: layout.gt0 + 4, 2)
        }
        let disk = try VirtualDisk.open(path)
        expectSameBytes(try readAll(disk), expected, "read through the redundant copy")
        let warning = disk.info.warnings.first { $0.contains("redundant grain directory") }
        #expect(warning?.contains("the grain directory is damaged") == true, "\(disk.info.warnings)")
        #expect(warning?.contains("0x\(String(layout.rgd, radix: 16))") == true, "names the copy used: \(warning ?? "")")
        // `ferry inspect` shows it.
        #expect(try inspectReport(path).description.contains("read through the redundant grain directory"))
    }

    @Test("both copies intact but mapping a grain differently: refused, naming both directories")
    func disagreeingCopies() throws {
        let scratch = try Scratch()
        let (path, layout, _) = try Self.fixture(scratch)
        // The primary table maps grain 1 to grain 0's data: in bounds, but not what the copy says.
        let grain0 = try readFile(path).le32(Int(layout.gt0))
        try pokeLE32(path, at: layout.gt0 + 4, grain0)
        let error = expectOpenFails(path, .badTable)
        #expect(error?.field == "grain table entry for grain 1")
        #expect(error?.offset == layout.gt0 + 4)
        #expect(error?.message.contains("0x\(String(layout.gd, radix: 16))") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("0x\(String(layout.rgd, radix: 16))") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("disagree") == true)
    }

    @Test("a damaged redundant copy next to an intact primary: read as usual, with a warning")
    func damagedRedundant() throws {
        let scratch = try Scratch()
        let (path, layout, expected) = try Self.fixture(scratch)
        try pokeLE32(path, at: layout.rgt0 + 4, 0x7fff_0000)
        let disk = try VirtualDisk.open(path)
        expectSameBytes(try readAll(disk), expected, "read through the primary copy")
        #expect(disk.info.warnings.contains { $0.contains("redundant grain directory is damaged") })
    }

    @Test("both copies damaged: the primary's error")
    func bothDamaged() throws {
        let scratch = try Scratch()
        let (path, layout, _) = try Self.fixture(scratch)
        try pokeLE32(path, at: layout.gd, 0x00ff_ffff)
        try pokeLE32(path, at: layout.rgd, 0x00ff_ffff)
        let error = expectOpenFails(path, .outOfBounds)
        #expect(error?.field == "grain directory[0]")
        #expect(error?.offset == layout.gd)
    }

    @Test("an intact file has no warning about either copy")
    func intact() throws {
        let scratch = try Scratch()
        let (path, _, expected) = try Self.fixture(scratch)
        let disk = try VirtualDisk.open(path)
        expectSameBytes(try readAll(disk), expected, "intact")
        #expect(!disk.info.warnings.contains { $0.contains("grain directory") })
    }
}
