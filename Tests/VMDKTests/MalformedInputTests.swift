import VMDKFixtures
import Foundation
import Testing

@testable import VMDK

/// Inputs Ferry must refuse, each with a typed error naming the file — most of which
/// qemu-img accepts and reads as zeros or garbage.
@Suite("Malformed and hostile input")
struct MalformedInputTests {
    /// Where qemu-img put the metadata of a monolithicSparse file.
    struct Layout {
        let gd: UInt64  // byte offset of the grain directory
        let gt0: UInt64  // byte offset of the first grain table
        let firstGrainEntry: UInt64

        init(_ path: String) throws {
            let bytes = try readFile(path)
            gd = bytes.le64(56) * 512
            gt0 = UInt64(bytes.le32(Int(gd))) * 512
            firstGrainEntry = UInt64(bytes.le32(Int(gt0)))
        }
    }

    /// A 4 MiB monolithicSparse disk with data in grains 0, 1 and 63.
    static func sparse(_ scratch: Scratch, _ name: String = "s.vmdk", options: String = "") throws -> String {
        let path = scratch.file(name)
        var arguments = ["create", "-f", "vmdk"]
        if !options.isEmpty { arguments += ["-o", options] }
        try Tool.qemuImg(arguments + [path, "4M"])
        try Tool.qemuIO(path, ["write -P 0x61 0 70000", "write -P 0x62 4128768 65536"])
        return path
    }

    /// Clears the redundant-directory flag qemu-img sets, so the primary grain directory is
    /// the only copy: damage to it is then refused instead of read around (see
    /// RedundantDirectoryTests for the two-copy behaviour).
    static func dropRedundantDirectory(_ path: String) throws {
        let flags = try readFile(path)[8]
        try poke(path, at: 8, [flags & ~0x02])
    }

    @Test("afl9.vmdk (fuzzed capacity) is refused without allocating a grain directory")
    func afl9() {
        let error = expectOpenFails(peerData("qemu-samples/afl9.vmdk"), .limitExceeded)
        #expect(error?.field == "capacity")
    }

    @Test(
        "qemu iotest 059 header corruptions",
        arguments: [
            ("granularity all ones", 20, [UInt8](repeating: 0xff, count: 8), "badHeader"),
            ("GTEs per GT 0xffffffff", 44, [0xff, 0xff, 0xff, 0xff], "badHeader"),
            ("GTEs per GT 0", 44, [0, 0, 0, 0], "badHeader"),
            ("capacity high word", 16, [0xff, 0xff, 0xff, 0xff], "limitExceeded"),
            ("granularity 3", 20, [3, 0, 0, 0, 0, 0, 0, 0], "badHeader"),
            ("granularity 0", 20, [0, 0, 0, 0, 0, 0, 0, 0], "badHeader"),
            ("granularity 2^20", 20, [0, 0, 0x10, 0, 0, 0, 0, 0], "badHeader"),
            ("version 4", 4, [4, 0, 0, 0], "unsupported"),
            ("magic", 0, [0x4b, 0x44, 0x4d, 0x57], "badMagic"),
            ("newline check bytes", 73, [0x0a, 0x20, 0x0a, 0x0a], "badHeader"),
            ("compression algorithm 7", 77, [7, 0], "unsupported"),
            ("gdOffset 0", 56, [0, 0, 0, 0, 0, 0, 0, 0], "outOfBounds"),
            ("gdOffset past EOF", 56, [0, 0, 0, 1, 0, 0, 0, 0], "outOfBounds"),
            ("gdOffset inside the descriptor", 56, [2, 0, 0, 0, 0, 0, 0, 0], "outOfBounds"),
            ("descriptorOffset 2 (oslo: wrong descriptor location)", 28, [2, 0, 0, 0, 0, 0, 0, 0], "badDescriptor"),
            ("descriptorSize 2 MiB (oslo)", 36, [0, 0x10, 0, 0, 0, 0, 0, 0], "limitExceeded"),
            ("overHead past EOF", 64, [0, 0, 1, 0, 0, 0, 0, 0], "truncated"),
            ("capacity disagrees with the embedded descriptor", 12, [0, 0x10, 0, 0], "sizeMismatch"),
        ])
    func headerCorruptions(label: String, offset: UInt64, bytes: [UInt8], code: String) throws {
        let scratch = try Scratch()
        let path = try Self.sparse(scratch)
        try Self.dropRedundantDirectory(path)
        try poke(path, at: offset, bytes)
        let expected: [String: VMDKError.Code] = [
            "badHeader": .badHeader, "limitExceeded": .limitExceeded, "unsupported": .unsupported,
            "badMagic": .badMagic,
            "outOfBounds": .outOfBounds, "badDescriptor": .badDescriptor, "truncated": .truncated,
            "sizeMismatch": .sizeMismatch,
        ]
        let error = expectOpenFails(path, expected[code]!)
        #expect(error?.file == path)
    }

    @Test("monolithicSparse 100G truncated to 10M (iotest 059): file truncated")
    func truncatedLarge() throws {
        let scratch = try Scratch()
        let path = scratch.file("big.vmdk")
        try Tool.qemuImg(["create", "-f", "vmdk", path, "100G"])
        try truncateFile(path, to: 10 << 20)
        let error = expectOpenFails(path, .truncated)
        #expect(error?.message.contains("truncated") == true)
    }

    @Test("grain directory and grain table pointers that qemu would follow into zeros or metadata")
    func pointers() throws {
        let scratch = try Scratch()
        // A GD entry past EOF.
        var path = try Self.sparse(scratch, "a.vmdk")
        try Self.dropRedundantDirectory(path)
        var layout = try Layout(path)
        try pokeLE32(path, at: layout.gd, 0x00ff_ffff)
        var error = expectOpenFails(path, .outOfBounds)
        #expect(error?.field == "grain directory[0]")
        #expect(error?.offset == layout.gd)
        // A GD entry pointing into the header / descriptor.
        path = try Self.sparse(scratch, "b.vmdk")
        try Self.dropRedundantDirectory(path)
        layout = try Layout(path)
        try pokeLE32(path, at: layout.gd, 1)
        expectOpenFails(path, .outOfBounds)
        // A GD entry pointing at the grain directory itself.
        path = try Self.sparse(scratch, "c.vmdk")
        try Self.dropRedundantDirectory(path)
        layout = try Layout(path)
        try pokeLE32(path, at: layout.gd, UInt32(layout.gd / 512))
        expectOpenFails(path, .outOfBounds)
        // A grain-table entry past EOF.
        path = try Self.sparse(scratch, "d.vmdk")
        try Self.dropRedundantDirectory(path)
        layout = try Layout(path)
        try pokeLE32(path, at: layout.gt0 + 4, 0x7fff_0000)
        error = expectOpenFails(path, .outOfBounds)
        #expect(error?.offset == layout.gt0 + 4)
        // A grain-table entry pointing into the metadata (sector 2: the descriptor).
        path = try Self.sparse(scratch, "e.vmdk")
        try Self.dropRedundantDirectory(path)
        layout = try Layout(path)
        try pokeLE32(path, at: layout.gt0 + 8, 2)
        expectOpenFails(path, .outOfBounds)
        // Entry 1 without the zeroed-grain flag is a pointer to sector 1, not "zero".
        path = try Self.sparse(scratch, "f.vmdk")
        try Self.dropRedundantDirectory(path)
        layout = try Layout(path)
        try pokeLE32(path, at: layout.gt0 + 8, 1)
        expectOpenFails(path, .outOfBounds)
        // The last grain pointer reaching past EOF by one sector.
        path = try Self.sparse(scratch, "g.vmdk")
        try Self.dropRedundantDirectory(path)
        layout = try Layout(path)
        let size = try fileSize(path)
        try pokeLE32(path, at: layout.gt0 + 4, UInt32(size / 512 - 127))
        expectOpenFails(path, .outOfBounds)
    }

    @Test("two directory entries sharing one grain table are refused")
    func sharedTables() throws {
        let scratch = try Scratch()
        let path = scratch.file("two.vmdk")
        try Tool.qemuImg(["create", "-f", "vmdk", path, "64M"])  // two grain tables
        try Self.dropRedundantDirectory(path)
        let layout = try Layout(path)
        try pokeLE32(path, at: layout.gd + 4, UInt32(layout.gt0 / 512))
        expectOpenFails(path, .badTable)
    }

    @Test("truncation at any offset is refused at open, never read as zeros", arguments: ["sparse", "stream", "flat"])
    func truncations(kind: String) throws {
        let scratch = try Scratch()
        let original: String
        switch kind {
        case "sparse":
            original = try Self.sparse(scratch)
        case "stream":
            var writer = StreamWriter(capacity: 6 * 65536)
            writer.grains = [0: patternBytes(count: 65536, seed: 1), 4: patternBytes(count: 1000, seed: 2)]
            try scratch.write("stream.vmdk", writer.build())
            original = scratch.file("stream.vmdk")
        default:
            try Tool.qemuImg(
                ["create", "-f", "vmdk", "-o", "subformat=monolithicFlat", "flat.vmdk", "1M"], in: scratch.path)
            original = scratch.file("flat-flat.vmdk")
        }
        let bytes = try readFile(original)
        let cuts = [
            0, 1, 3, 4, 100, 511, 512, 513, 1024, 4096, 10_000, 65_536, bytes.count / 2, bytes.count - 65_536,
            bytes.count - 1536, bytes.count - 513, bytes.count - 1,
        ]
        for cut in Set(cuts) where cut >= 0 && cut < bytes.count {
            try scratch.write(baseName(original), Array(bytes[0..<cut]))
            let path = kind == "flat" ? scratch.file("flat.vmdk") : original
            do {
                let disk = try VirtualDisk.open(path)
                _ = try readAll(disk)
                Issue.record("\(kind) truncated to \(cut) bytes was read without error")
            } catch let error as VMDKError {
                #expect(
                    [.truncated, .outOfBounds, .badMagic, .sizeMismatch, .badTable].contains(error.code),
                    "cut \(cut): \(error)")
            }
        }
    }

    @Test("every header byte flipped: a VMDKError or a clean read, never a crash")
    func flippedHeaderBytes() throws {
        let scratch = try Scratch()
        let original = try readFile(try Self.sparse(scratch, "orig.vmdk"))
        let path = scratch.file("flip.vmdk")
        var outcomes: [String: Int] = [:]
        for offset in 0..<80 {
            for mask: UInt8 in [0x01, 0x80, 0xff] {
                var bytes = original
                bytes[offset] ^= mask
                try scratch.write("flip.vmdk", bytes)
                do {
                    let disk = try VirtualDisk.open(path)
                    _ = try readAll(disk)
                    outcomes["ok", default: 0] += 1
                } catch let error as VMDKError {
                    outcomes[error.code.description, default: 0] += 1
                }
            }
        }
        #expect(outcomes.values.reduce(0, +) == 240)
        #expect(outcomes["ok", default: 0] < 100)
    }

    @Test("grain-table bytes flipped: a VMDKError or a clean read, never a crash")
    func flippedTableBytes() throws {
        let scratch = try Scratch()
        let source = try Self.sparse(scratch, "orig.vmdk")
        let original = try readFile(source)
        let layout = try Layout(source)
        for position in stride(from: Int(layout.gt0), to: Int(layout.gt0) + 256, by: 3) {
            var bytes = original
            bytes[position] ^= 0x5a
            try scratch.write("t.vmdk", bytes)
            do {
                _ = try readAll(try VirtualDisk.open(scratch.file("t.vmdk")))
            } catch let error as VMDKError {
                #expect([.outOfBounds, .badTable].contains(error.code), "\(error)")
            }
        }
    }

    @Test("streamOptimized: corrupt deflate, wrong marker LBA, impossible sizes are caught on read")
    func corruptGrains() throws {
        let scratch = try Scratch()
        var base = StreamWriter(capacity: 4 * 65536)
        base.grains = [0: patternBytes(count: 65536, seed: 1), 2: patternBytes(count: 65536, seed: 2)]
        let cases: [(String, (inout StreamWriter) -> Void, VMDKError.Code)] = [
            ("deflate", { $0.corruptDeflate = 2 }, .corruptGrain),
            ("lba", { $0.corruptLBA = 2 }, .corruptGrain),
            ("size zero", { $0.sizeOverride = (2, 0) }, .corruptGrain),
            ("size too small", { $0.sizeOverride = (2, 100) }, .corruptGrain),
            ("size huge", { $0.sizeOverride = (2, 0x7fff_ffff) }, .corruptGrain),
        ]
        for (label, mutate, code) in cases {
            var writer = base
            mutate(&writer)
            try scratch.write("c.vmdk", writer.build())
            let disk = try VirtualDisk.open(scratch.file("c.vmdk"))
            #expect(try readRange(disk, 0, 65536) == patternBytes(count: 65536, seed: 1), "\(label): grain 0 is fine")
            do {
                _ = try readRange(disk, 2 * 65536 + 100, 10)
                Issue.record("\(label): corrupt grain was read")
            } catch let error as VMDKError {
                #expect(error.code == code, "\(label): \(error)")
                #expect(error.file.hasSuffix("c.vmdk"))
            }
        }
    }

    @Test("streamOptimized footer checks (oslo.utils)")
    func footers() throws {
        let scratch = try Scratch()
        var writer = StreamWriter(capacity: 2 * 65536)
        writer.grains = [0: [1, 2, 3]]
        let good = writer.build()
        let end = good.count
        let cases: [(String, Int, [UInt8], VMDKError.Code)] = [
            ("footer marker type", end - 1536 + 12, [2, 0, 0, 0], .truncated),
            ("footer marker size", end - 1536 + 8, [1, 0, 0, 0], .truncated),
            ("footer marker padding", end - 1536 + 100, [1], .truncated),
            ("end-of-stream type", end - 512 + 12, [3, 0, 0, 0], .truncated),
            ("footer magic", end - 1024, [0, 0, 0, 0], .truncated),
            ("footer gdOffset at end", end - 1024 + 56, [UInt8](repeating: 0xff, count: 8), .badHeader),
            ("footer version", end - 1024 + 4, [1, 0, 0, 0], .badHeader),
            ("footer capacity", end - 1024 + 12, [0, 0x10, 0, 0], .badHeader),
            ("footer descriptor offset", end - 1024 + 28, [2], .badHeader),
            ("grain directory marker", end - 1536 - 1024 + 12, [9, 0, 0, 0], .badTable),
        ]
        for (label, offset, bytes, code) in cases {
            var copy = good
            copy.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            try scratch.write("f.vmdk", copy)
            let error = expectOpenFails(scratch.file("f.vmdk"), code)
            if error == nil || error?.code != code { Issue.record("case \(label)") }
        }
    }

    @Test(
        "extent and parent paths may not leave the disk's folder",
        arguments: [
            "absolute", "dotdot", "symlink-out", "hosts",
        ])
    func pathEscapes(kind: String) throws {
        let scratch = try Scratch()
        let outside = try Scratch("outside")
        try outside.write("secret-flat.vmdk", [UInt8](repeating: 0x53, count: 4096))
        try FileManager.default.createDirectory(atPath: scratch.file("vm"), withIntermediateDirectories: true)
        let name: String
        switch kind {
        case "absolute": name = outside.file("secret-flat.vmdk")
        case "dotdot": name = "../../" + baseName(outside.path) + "/secret-flat.vmdk"
        case "symlink-out":
            try FileManager.default.createSymbolicLink(
                atPath: scratch.file("vm/link-flat.vmdk"), withDestinationPath: outside.file("secret-flat.vmdk"))
            name = "link-flat.vmdk"
        default: name = "/etc/hosts"
        }
        try scratch.write(
            "vm/x.vmdk",
            text: FixtureWriter.descriptor(createType: "monolithicFlat", extents: ["RW 8 FLAT \"\(name)\" 0"]))
        let error = expectOpenFails(scratch.file("vm/x.vmdk"), .pathEscape)
        #expect(error?.field == "extent line 9")
        if kind != "hosts" {
            // Allowed when the caller names the other folder as a datastore root.
            let disk = try VirtualDisk.open(
                scratch.file("vm/x.vmdk"), options: OpenOptions(allowedRoots: [outside.path]))
            #expect(try readAll(disk) == [UInt8](repeating: 0x53, count: 4096))
        }
    }

    @Test("symlinks and absolute names that stay inside the folder are fine; devices never are")
    func pathsInside() throws {
        let scratch = try Scratch()
        try scratch.write("real-flat.vmdk", [UInt8](repeating: 0x11, count: 4096))
        try FileManager.default.createSymbolicLink(
            atPath: scratch.file("alias-flat.vmdk"), withDestinationPath: "real-flat.vmdk")
        try scratch.write(
            "a.vmdk",
            text: FixtureWriter.descriptor(
                createType: "monolithicFlat",
                extents: [
                    "RW 4 FLAT \"alias-flat.vmdk\" 0", "RW 4 FLAT \"\(scratch.file("real-flat.vmdk"))\" 4",
                ]))
        #expect(try readAll(try VirtualDisk.open(scratch.file("a.vmdk"))) == [UInt8](repeating: 0x11, count: 4096))
        try FileManager.default.createSymbolicLink(
            atPath: scratch.file("dev-flat.vmdk"), withDestinationPath: "/dev/zero")
        try scratch.write(
            "d.vmdk",
            text: FixtureWriter.descriptor(createType: "monolithicFlat", extents: ["RW 8 FLAT \"dev-flat.vmdk\" 0"]))
        expectOpenFails(scratch.file("d.vmdk"), .pathEscape)
        expectOpenFails(scratch.file("d.vmdk"), .unsupported, options: OpenOptions(allowedRoots: ["/dev"]))
        try scratch.write(
            "self.vmdk",
            text: FixtureWriter.descriptor(createType: "monolithicFlat", extents: ["RW 1 FLAT \"self.vmdk\" 0"]))
        expectOpenFails(scratch.file("self.vmdk"), .badDescriptor)
    }

    @Test("extent sizes that disagree with the descriptor")
    func sizeMismatches() throws {
        let scratch = try Scratch()
        try Tool.qemuImg(
            ["create", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", "t.vmdk", "8M"], in: scratch.path)
        let text = try String(contentsOfFile: scratch.file("t.vmdk"), encoding: .utf8)
        try scratch.write("t.vmdk", text: text.replacingOccurrences(of: "RW 16384 SPARSE", with: "RW 16000 SPARSE"))
        expectOpenFails(scratch.file("t.vmdk"), .sizeMismatch)
        try scratch.write("u.vmdk", text: text.replacingOccurrences(of: "RW 16384 SPARSE", with: "RW 16384 SESPARSE"))
        expectOpenFails(scratch.file("u.vmdk"), .badMagic)
        try scratch.write(
            "v.vmdk",
            text: text.replacingOccurrences(of: "RW 16384 SPARSE \"t-s001.vmdk\"", with: "RW 16384 SPARSE \"v.vmdk\""))
        expectOpenFails(scratch.file("v.vmdk"), .badDescriptor)
    }

    @Test("malformed COWD and seSparse deltas")
    func deltas() throws {
        let scratch = try Scratch()
        func check(_ name: String, _ type: String, _ bytes: [UInt8], _ code: VMDKError.Code, sectors: UInt64 = 8192)
            throws
        {
            try scratch.write(name, bytes)
            try scratch.write(
                "desc.vmdk",
                text: FixtureWriter.descriptor(createType: "custom", extents: ["RW \(sectors) \(type) \"\(name)\""]))
            expectOpenFails(scratch.file("desc.vmdk"), code)
        }
        let cowd = DeltaWriter.cowd(capacitySectors: 8192, grains: [(0, [1]), (5000, [2])])
        var bad = cowd
        bad[4] = 2
        try check("v.vmdk", "VMFSSPARSE", bad, .unsupported)
        bad = cowd
        bad[16] = 3  // grain size 3
        try check("g.vmdk", "VMFSSPARSE", bad, .badHeader)
        bad = cowd
        bad[24] = 1  // too few directory entries for 8192 sectors? (needs 2 with 1-sector grains)
        try check("n.vmdk", "VMFSSPARSE", bad, .badHeader)
        bad = cowd
        bad.replaceSubrange(2048..<2052, with: [0xff, 0xff, 0, 0])  // GD entry past EOF
        try check("d.vmdk", "VMFSSPARSE", bad, .outOfBounds)
        try check("short.vmdk", "VMFSSPARSE", Array(cowd.prefix(cowd.count - 100)), .outOfBounds)
        try check("size.vmdk", "VMFSSPARSE", cowd, .sizeMismatch, sectors: 4096)

        let se = DeltaWriter.seSparse(capacitySectors: 8192, grains: [0: .data([9], physical: 0), 1: .zero])
        bad = se
        bad[512] = 0
        try check("vm.vmdk", "SESPARSE", bad, .badMagic)
        bad = se
        bad[512 + 24] = 1  // journal must be replayed
        try check("j.vmdk", "SESPARSE", bad, .unsupported)
        bad = se
        bad[8] = 2  // version
        try check("ver.vmdk", "SESPARSE", bad, .unsupported)
        bad = se
        bad[4 * 512 + 7] = 0x20  // directory entry with the wrong top bits
        try check("gd.vmdk", "SESPARSE", bad, .badTable)
        bad = se
        bad[5 * 512 + 8 + 7] = 0x50  // grain state 5
        try check("st.vmdk", "SESPARSE", bad, .badTable)
        bad = se
        bad[5 * 512 + 6] = 0x77  // allocated grain far outside the grain region
        try check("far.vmdk", "SESPARSE", bad, .outOfBounds)
        bad = se
        bad[300] = 1  // padding
        try check("pad.vmdk", "SESPARSE", bad, .unsupported)
    }

    @Test("reads past the end and after close are refused")
    func readArguments() throws {
        let scratch = try Scratch()
        let disk = try VirtualDisk.open(try Self.sparse(scratch))
        #expect(throws: VMDKError.self) { try readRange(disk, disk.capacity - 10, 11) }
        #expect(throws: VMDKError.self) { try readRange(disk, UInt64.max - 5, 10) }
        #expect(try readRange(disk, disk.capacity, 0).isEmpty)
        disk.close()
        disk.close()
        do {
            _ = try readRange(disk, 0, 512)
            Issue.record("read after close")
        } catch let error as VMDKError {
            #expect(error.code == .closed)
        }
    }
}
