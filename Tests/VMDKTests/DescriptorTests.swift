import VMDKFixtures
import Foundation
import Testing

@testable import VMDK

@Suite("Descriptor parser")
struct DescriptorTests {
    static func parse(_ text: String) throws(VMDKError) -> Descriptor {
        try Descriptor.parse(Array(text.utf8), file: "test.vmdk")
    }

    static func expectRejected(
        _ text: String, _ code: VMDKError.Code, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try parse(text)
            Issue.record("parsed, expected \(code)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        }
    }

    static let minimal = """
        # Disk DescriptorFile
        version=1
        CID=12345678
        parentCID=ffffffff
        createType="monolithicFlat"

        RW 2048 FLAT "x-flat.vmdk" 0
        """

    @Test("libvmdk's Workstation descriptor (windows-1252, isNativeSnapshot, trailing space in a comment)")
    func libvmdk() throws {
        let bytes = try readFile(peerData("libvmdk/descriptor_file.1"))
        let descriptor = try Descriptor.parse(bytes, file: "descriptor_file.1")
        #expect(descriptor.encoding == .windows1252)
        #expect(descriptor.version == 1)
        #expect(descriptor.cid == 0xffff_fffe)
        #expect(descriptor.parentCID == nil)
        #expect(descriptor.createType == "monolithicSparse")
        #expect(descriptor.otherKeys["isNativeSnapshot"] == "no")
        #expect(descriptor.hasSignature)
        #expect(
            descriptor.extents == [
                ExtentDescription(
                    access: .readWrite, sectors: 16_777_216, kind: .sparse, fileName: "test1.vmdk", offset: nil,
                    line: 10)
            ])
        #expect(descriptor.database["adapterType"] == "ide")
        #expect(descriptor.database["geometry.cylinders"] == "16383")
        #expect(descriptor.database["longContentID"] == "e61f2478a1f3c8bc7c3a8f36fffffffe")
        #expect(descriptor.database["uuid"] == "60 00 C2 99 3c 3b c5 c0-29 99 4b e2 5b 11 a2 45")
    }

    @Test("libvmdk's single extent line")
    func libvmdkExtentLine() throws {
        let line = String(decoding: try readFile(peerData("libvmdk/extent_values.1")), as: UTF8.self)
        let descriptor = try Self.parse("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\n" + line)
        #expect(descriptor.extents.first?.fileName == "test1.vmdk")
        #expect(descriptor.extents.first?.sectors == 16_777_216)
    }

    @Test("windows-1252 file names are decoded and found on disk under their UTF-8 name")
    func windows1252Names() throws {
        let scratch = try Scratch()
        let name = "caf\u{e9}\u{20ac}-flat.vmdk"  // é is 0xE9 and € is 0x80 in windows-1252
        try scratch.write(name, patternBytes(count: 4096, seed: 2))
        var bytes = Array(
            "# Disk DescriptorFile\r\nversion=1\r\nencoding=\"windows-1252\"\r\nCID=0000abcd\r\nparentCID=ffffffff\r\ncreateType=\"monolithicFlat\"\r\nRW 8 FLAT \"caf"
                .utf8)
        bytes += [0xE9, 0x80]
        bytes += Array("-flat.vmdk\" 0\r\n".utf8)
        try scratch.write("w.vmdk", bytes)
        let disk = try VirtualDisk.open(scratch.file("w.vmdk"))
        #expect(disk.info.extents.first?.file?.hasSuffix(name) == true)
        #expect(try readAll(disk) == patternBytes(count: 4096, seed: 2))
    }

    @Test(
        "the .vmx reader's spellings of windows-1252 and ISO-8859-1 decode descriptors too (one shared decoder)",
        arguments: [("cp1252", "\u{20ac}"), ("windows1252", "\u{20ac}"), ("CP-1252", "\u{20ac}"), ("l1", "\u{80}"), ("iso_8859-1", "\u{80}")])
    func sharedEncodingNames(declared: String, decoded: String) throws {
        var bytes = Array("version=1\nencoding=\"\(declared)\"\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 8 FLAT \"d".utf8)
        bytes += [0x80]
        bytes += Array(".bin\" 0\n".utf8)
        let descriptor = try Descriptor.parse(bytes, file: "t")
        #expect(descriptor.extents.first?.fileName == "d\(decoded).bin")
        #expect(descriptor.warnings.isEmpty, "\(descriptor.warnings)")
    }

    @Test("a descriptor without encoding that is not UTF-8 falls back to windows-1252 with a warning")
    func undeclaredLatin() throws {
        var bytes = Array("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 8 FLAT \"d".utf8)
        bytes += [0xFC]  // ü
        bytes += Array(".bin\" 0\n".utf8)
        let descriptor = try Descriptor.parse(bytes, file: "t")
        #expect(descriptor.extents.first?.fileName == "d\u{fc}.bin")
        #expect(!descriptor.warnings.isEmpty)
    }

    @Test("an undecodable encoding with non-ASCII names is refused")
    func unknownEncoding() {
        var bytes = Array(
            "version=1\nencoding=\"Shift_JIS\"\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 8 FLAT \"".utf8)
        bytes += [0x83, 0x65]
        bytes += Array("\" 0\n".utf8)
        #expect(throws: VMDKError.self) { try Descriptor.parse(bytes, file: "t") }
    }

    @Test("CRLF line ends, tabs, trailing blanks and qemu's NUL padding")
    func lineEnds() throws {
        let text = Self.minimal.replacingOccurrences(of: "\n", with: "  \r\n").replacingOccurrences(
            of: "RW 2048", with: "RW\t2048")
        let descriptor = try Descriptor.parse(Array(text.utf8) + [UInt8](repeating: 0, count: 100), file: "t")
        #expect(descriptor.cid == 0x1234_5678)
        #expect(descriptor.extents.count == 1)
        #expect(descriptor.createType == "monolithicFlat")
    }

    @Test("a UTF-8 byte-order mark in front of the descriptor is ignored")
    func byteOrderMark() throws {
        let descriptor = try Descriptor.parse([0xEF, 0xBB, 0xBF] + Array(Self.minimal.utf8), file: "t")
        #expect(descriptor.hasSignature)
        #expect(descriptor.extents.count == 1)
    }

    @Test("every extent kind, access and the offset column")
    func extentKinds() throws {
        let descriptor = try Self.parse(
            """
            version=1
            CID=1
            parentCID=ffffffff
            createType="custom"
            RW 100 FLAT "a b.vmdk" 7
            RDONLY 200 SPARSE "s.vmdk"
            NOACCESS 300 ZERO
            RW 400 VMFS "f.vmdk"
            RW 500 VMFSSPARSE "d.vmdk"
            RW 600 SESPARSE "e.vmdk"
            RW 700 VMFSRDM "r.vmdk"
            RW 800 VMFSRAW "w.vmdk"
            RW 900 VMFSRDMP "p.vmdk"
            """)
        #expect(
            descriptor.extents.map(\.kind) == [
                .flat, .sparse, .zero, .vmfs, .vmfsSparse, .seSparse, .vmfsRDM, .vmfsRaw, .vmfsRDMP,
            ])
        #expect(
            descriptor.extents.map(\.access) == [.readWrite, .readOnly, .noAccess]
                + Array(repeating: .readWrite, count: 6))
        #expect(descriptor.extents[0].fileName == "a b.vmdk")
        #expect(descriptor.extents[0].offset == 7)
        #expect(descriptor.totalSectors == 4500)
    }

    @Test(
        "malformed descriptors are refused",
        arguments: [
            // oslo.utils: an access mode that does not exist.
            (
                "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nwronly 2048 FLAT \"f.vmdk\" 0",
                "badDescriptor"
            ),
            // qemu iotest 059: a VMFS extent must not carry an offset.
            (
                "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"vmfs\"\nRW 12582912 VMFS \"dummy.vmdk\" 1",
                "badDescriptor"
            ),
            ("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 2048 FLAT \"f.vmdk\"", "badDescriptor"),
            (
                "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 2048 SPARSE \"f.vmdk\" 0",
                "badDescriptor"
            ),
            ("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 2048 FLAT f.vmdk 0", "badDescriptor"),
            ("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 0 FLAT \"f.vmdk\" 0", "badDescriptor"),
            ("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW -5 FLAT \"f.vmdk\" 0", "badDescriptor"),
            (
                "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 2048 FLAT \"f.vmdk\" 0 junk",
                "badDescriptor"
            ),
            ("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 2048 ZERO \"f.vmdk\"", "badDescriptor"),
            ("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 2048 FOO \"f.vmdk\"", "unsupported"),
            ("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nthis line means nothing", "badDescriptor"),
            ("version=4\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\n", "unsupported"),
            ("version=1\nCID=xyz\nparentCID=ffffffff\ncreateType=\"custom\"\n", "badDescriptor"),
            ("version=1\nCID=123456789\nparentCID=ffffffff\ncreateType=\"custom\"\n", "badDescriptor"),
            ("version=1\nCID=1\nCID=2\nparentCID=ffffffff\ncreateType=\"custom\"\n", "badDescriptor"),
            ("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"cus\"tom\"\n", "badDescriptor"),
            ("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\n", "badDescriptor"),
        ])
    func malformed(text: String, code: String) {
        Self.expectRejected(text, code == "unsupported" ? .unsupported : .badDescriptor)
    }

    @Test("a descriptor larger than 1 MiB is refused before parsing")
    func oversized() {
        let big = Self.minimal + "\n" + String(repeating: "# padding comment line\n", count: 50_000)
        Self.expectRejected(big, .limitExceeded)
    }

    @Test("forklift's RDM descriptor is refused with a clear message")
    func rdm() {
        let error = expectOpenFails(peerData("forklift/rdmfile.vmdk-descriptor"), .unsupported)
        #expect(error?.message.contains("raw device mapping") == true)
        #expect(error?.field == "createType")
    }

    @Test("an RDM extent inside an ordinary createType is refused too")
    func rdmExtent() throws {
        let scratch = try Scratch()
        try scratch.write(
            "r.vmdk", text: FixtureWriter.descriptor(createType: "vmfs", extents: ["RW 2048 VMFSRDM \"r-rdm.vmdk\""]))
        let error = expectOpenFails(scratch.file("r.vmdk"), .unsupported)
        #expect(error?.message.contains("raw device mapping") == true)
    }

    @Test(
        "descriptor-level refusals when opening",
        arguments: [
            ("no extents", "", "badDescriptor"),
            ("NOACCESS", "NOACCESS 8 FLAT \"d.bin\" 0", "unsupported"),
            ("fullDevice", "RW 8 FLAT \"d.bin\" 0", "unsupported"),
        ])
    func openRefusals(label: String, extent: String, code: String) throws {
        let scratch = try Scratch()
        try scratch.write("d.bin", [UInt8](repeating: 1, count: 4096))
        let type = label == "fullDevice" ? "fullDevice" : "custom"
        try scratch.write(
            "x.vmdk", text: FixtureWriter.descriptor(createType: type, extents: extent.isEmpty ? [] : [extent]))
        expectOpenFails(scratch.file("x.vmdk"), code == "unsupported" ? .unsupported : .badDescriptor)
    }

    @Test("a parentCID without a parentFileNameHint (or the reverse) is refused")
    func parentKeys() throws {
        let scratch = try Scratch()
        try scratch.write("d.bin", [UInt8](repeating: 1, count: 4096))
        try scratch.write(
            "a.vmdk",
            text: FixtureWriter.descriptor(createType: "custom", extents: ["RW 8 FLAT \"d.bin\" 0"], parentCID: 5))
        expectOpenFails(scratch.file("a.vmdk"), .chainMismatch)
        try scratch.write(
            "b.vmdk",
            text: FixtureWriter.descriptor(
                createType: "custom", extents: ["RW 8 FLAT \"d.bin\" 0"], parentHint: "x.vmdk"))
        expectOpenFails(scratch.file("b.vmdk"), .chainMismatch)
    }

    @Test("binary files that are no VMDK are refused as badMagic")
    func notVMDK() throws {
        let scratch = try Scratch()
        try scratch.write("raw.img", patternBytes(count: 8192, seed: 1))
        expectOpenFails(scratch.file("raw.img"), .badMagic)
        try scratch.write("empty.vmdk", [])
        expectOpenFails(scratch.file("empty.vmdk"), .truncated)
        try scratch.write("zeros.vmdk", [UInt8](repeating: 0, count: 4096))
        expectOpenFails(scratch.file("zeros.vmdk"), .badMagic)
    }

    @Test("error descriptions are one line: FILE: what (field F at offset 0x…)")
    func errorFormat() {
        let error = VMDKError(
            .badHeader, file: "/x/disk.vmdk", field: "grainSize", offset: 20, "grain size 3 is not a power of two")
        #expect(
            error.description == "/x/disk.vmdk: grain size 3 is not a power of two (field grainSize at offset 0x14)")
        #expect(!error.description.contains("\n"))
        #expect(VMDKError.Code.badHeader.description == "badHeader")
    }
}
