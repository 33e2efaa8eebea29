import Foundation
import Testing

@testable import VMDK

/// OVAs read front to back in one pass (from a pipe), their members hashed on the way.
@Suite("OVA read front to back")
struct OVAStreamTests {
    /// `vm.ovf`, `vm.mf` and `vm-disk1.vmdk` in `order`; returns the disk's raw content.
    static func ova(_ scratch: Scratch, order: [String], manifest: Bool = true) throws -> [UInt8] {
        let raw = try OVATests.streamDisk(scratch, name: "vm-disk1.vmdk", size: 3 << 20, seed: 11)
        try scratch.write(
            "vm.ovf",
            text: OVATests.ovf([("file1", "vm-disk1.vmdk", try fileSize(scratch.file("vm-disk1.vmdk")), nil)]))
        if manifest { try scratch.write("vm.mf", text: try OVATests.manifest(scratch, ["vm.ovf", "vm-disk1.vmdk"])) }
        if !order.isEmpty { try OVATests.tar(scratch, "vm.ova", order) }
        return raw
    }

    /// Reads the OVA at `path` through a pipe; returns the disk and the manifest's verdict.
    static func readPiped(_ path: String) throws -> (bytes: [UInt8], status: String?, warnings: [String]) {
        let piped = try PipedFile(path)
        var raw: [UInt8] = []
        let reader = try forEachGrainSequentially(piped.source) { offset, bytes in
            if raw.count < Int(offset) { raw += [UInt8](repeating: 0, count: Int(offset) - raw.count) }
            raw += bytes
        }
        raw += [UInt8](repeating: 0, count: Int(reader.capacity) - raw.count)
        #expect(reader.displayPath == "stdin:vm-disk1.vmdk" || reader.displayPath.hasPrefix("stdin:"))
        return (raw, reader.manifestStatus, reader.allWarnings)
    }

    @Test(
        "ovf first; the manifest before or after the disk, or none",
        arguments: [["vm.ovf", "vm.mf", "vm-disk1.vmdk"], ["vm.ovf", "vm-disk1.vmdk", "vm.mf"], ["vm.ovf", "vm-disk1.vmdk"]])
    func orders(order: [String]) throws {
        let scratch = try Scratch()
        let raw = try Self.ova(scratch, order: order)
        let (bytes, status, warnings) = try Self.readPiped(scratch.file("vm.ova"))
        expectSameBytes(bytes, raw, "disk read in one pass")
        if order.contains("vm.mf") {
            #expect(status == "verified (SHA256)")
        } else {
            #expect(status == "not verified: no manifest")
            #expect(warnings.contains { $0.contains("no manifest") })
        }
    }

    @Test("a disk that does not match the manifest fails at the end, naming the member", arguments: [true, false])
    func mismatch(manifestFirst: Bool) throws {
        let scratch = try Scratch()
        _ = try Self.ova(scratch, order: [])
        try poke(scratch.file("vm-disk1.vmdk"), at: 600, [0x42])  // descriptor padding: still a valid stream
        let order = manifestFirst ? ["vm.ovf", "vm.mf", "vm-disk1.vmdk"] : ["vm.ovf", "vm-disk1.vmdk", "vm.mf"]
        try OVATests.tar(scratch, "vm.ova", order)
        do {
            _ = try Self.readPiped(scratch.file("vm.ova"))
            Issue.record("a disk with a wrong digest was accepted")
        } catch let error as VMDKError {
            #expect(error.code == .manifestMismatch, "\(error)")
            #expect(error.file == "stdin:vm-disk1.vmdk")
            #expect(error.message.contains("the manifest says"))
        }
    }

    @Test("OVF chunkSize: the chunks are read in order and each is checked against the manifest")
    func chunked() throws {
        let scratch = try Scratch()
        let raw = try OVATests.streamDisk(scratch, name: "big.vmdk", size: 3 << 20, seed: 3)
        let bytes = try scratch.read("big.vmdk")
        var names: [String] = []
        for (index, start) in stride(from: 0, to: bytes.count, by: 100_000).enumerated() {
            let name = String(format: "big.vmdk.%09d", index)
            try scratch.write(name, Array(bytes[start..<min(bytes.count, start + 100_000)]))
            names.append(name)
        }
        try scratch.write("vm.ovf", text: OVATests.ovf([("f", "big.vmdk", UInt64(bytes.count), 100_000)]))
        try scratch.write("vm.mf", text: try OVATests.manifest(scratch, ["vm.ovf"] + names))
        try OVATests.tar(scratch, "vm.ova", ["vm.ovf"] + names + ["vm.mf"])
        let (read, status, _) = try Self.readPiped(scratch.file("vm.ova"))
        expectSameBytes(read, raw, "chunked disk")
        #expect(status == "verified (SHA256)")
        // Chunks out of order are refused.
        try OVATests.tar(scratch, "swapped.ova", ["vm.ovf", names[1], names[0]] + names.dropFirst(2))
        #expect(throws: VMDKError.self) { try Self.readPiped(scratch.file("swapped.ova")) }
    }

    @Test("an OVA whose .ovf is not first cannot be read in one pass; a monolithicSparse disk neither")
    func refusals() throws {
        let scratch = try Scratch()
        _ = try Self.ova(scratch, order: ["vm-disk1.vmdk", "vm.ovf", "vm.mf"])
        do {
            _ = try Self.readPiped(scratch.file("vm.ova"))
            Issue.record("accepted")
        } catch let error as VMDKError {
            #expect(error.code == .unsupported, "\(error)")
        }
        #expect(try SequentialDisk.isSinglePassOVA(scratch.file("vm.ova")) == false)
        try OVATests.tar(scratch, "good.ova", ["vm.ovf", "vm.mf", "vm-disk1.vmdk"])
        #expect(try SequentialDisk.isSinglePassOVA(scratch.file("good.ova")))
        try Tool.qemuImg(["create", "-q", "-f", "vmdk", scratch.file("vm-disk1.vmdk"), "1M"])
        try scratch.write("vm.ovf", text: OVATests.ovf([("file1", "vm-disk1.vmdk", nil, nil)]))
        try OVATests.tar(scratch, "sparse.ova", ["vm.ovf", "vm-disk1.vmdk"])
        #expect(try SequentialDisk.isSinglePassOVA(scratch.file("sparse.ova")) == false)
        do {
            _ = try Self.readPiped(scratch.file("sparse.ova"))
            Issue.record("accepted")
        } catch let error as VMDKError {
            #expect(error.code == .unsupported, "\(error)")
            #expect(error.file == "stdin:vm-disk1.vmdk")
        }
    }
}
