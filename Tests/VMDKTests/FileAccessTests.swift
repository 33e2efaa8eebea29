import Foundation
import Synchronization
import Testing

@testable import VMDK

/// A disk's files served from memory: the smallest possible second kind of storage, to show
/// that the readers reach every file through `FileAccess` and nothing else.
final class MemoryFiles: FileAccess {
    /// Files by absolute name, all under `root`.
    let files: [String: [UInt8]]
    let root: String
    private let opened = Mutex<[String]>([])

    init(root: String, files: [String: [UInt8]]) {
        self.root = root
        self.files = files
    }

    var openedNames: [String] { opened.withLock { $0 } }

    func locate(_ path: String) throws(VMDKError) -> FileLocation {
        guard files[path] != nil else { throw VMDKError(.notFound, file: path, "no such file in memory") }
        return FileLocation(path: path, displayPath: "mem:\(path)")
    }

    func resolve(_ reference: String, from referencing: FileLocation, field: String) throws(VMDKError) -> FileLocation {
        let folder = String(referencing.path[..<referencing.path.lastIndex(of: "/")!])
        let path = reference.hasPrefix("/") ? reference : folder + "/" + reference
        guard path.hasPrefix(root + "/"), !path.contains("/../") else {
            throw VMDKError(.pathEscape, file: referencing.displayPath, field: field, "\"\(reference)\" leaves \(root)")
        }
        guard files[path] != nil else {
            throw VMDKError(.notFound, file: referencing.displayPath, field: field, "\"\(reference)\" is not there")
        }
        return FileLocation(path: path, displayPath: "mem:\(path)")
    }

    func open(_ location: FileLocation) throws(VMDKError) -> any ReadableFile {
        guard let bytes = files[location.path] else { throw VMDKError(.notFound, file: location.displayPath, "gone") }
        opened.withLock { $0.append(location.path) }
        return MemoryFile(bytes: bytes, displayPath: location.displayPath)
    }
}

final class MemoryFile: ReadableFile {
    let bytes: [UInt8]
    let displayPath: String
    var length: UInt64 { UInt64(bytes.count) }

    init(bytes: [UInt8], displayPath: String) {
        self.bytes = bytes
        self.displayPath = displayPath
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(VMDKError) {
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(offset)..<(Int(offset) + buffer.count)]))
        }
    }

    func close() {}
}

@Suite("Files reached through FileAccess")
struct FileAccessTests {
    /// A flat base and a sparse child made by qemu-img, with data in both.
    private static func chain(in scratch: Scratch) throws -> [String: [UInt8]] {
        let base = scratch.file("base.vmdk")
        try Tool.qemuImg(["create", "-f", "vmdk", "-o", "subformat=monolithicFlat", base, "4M"])
        try Tool.qemuIO(base, ["write -P 0x41 0 1M", "write -P 0x42 3M 64k"])
        try Tool.qemuImg(["create", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", scratch.file("top.vmdk")], in: scratch.path)
        try Tool.qemuIO(scratch.file("top.vmdk"), ["write -P 0x43 512k 128k"])
        var files: [String: [UInt8]] = [:]
        for name in ["base.vmdk", "base-flat.vmdk", "top.vmdk"] { files["/vm/\(name)"] = try scratch.read(name) }
        return files
    }

    @Test("a snapshot chain read from another storage equals qemu-img's reading of the same files")
    func chainFromMemory() throws {
        let scratch = try Scratch()
        let access = MemoryFiles(root: "/vm", files: try Self.chain(in: scratch))
        let disk = try VirtualDisk.open("/vm/top.vmdk", access: access)
        #expect(disk.info.chain.count == 2)
        #expect(disk.info.path == "mem:/vm/top.vmdk")
        #expect(try readAll(disk) == (try Tool.qemuRaw(scratch.file("top.vmdk"), scratch: scratch)))
        // Every file of the disk came through the access, each opened once.
        #expect(access.openedNames.sorted() == ["/vm/base-flat.vmdk", "/vm/base.vmdk", "/vm/top.vmdk"])
    }

    @Test("the access decides where a disk may reach: an extent outside its root is refused in its words")
    func confinement() throws {
        let scratch = try Scratch()
        var files = try Self.chain(in: scratch)
        files["/elsewhere/base-flat.vmdk"] = files["/vm/base-flat.vmdk"]
        let text = """
            # Disk DescriptorFile
            version=1
            CID=12345678
            parentCID=ffffffff
            createType="monolithicFlat"
            RW 8192 FLAT "/elsewhere/base-flat.vmdk" 0

            """
        files["/vm/escape.vmdk"] = Array(text.utf8)
        let access = MemoryFiles(root: "/vm", files: files)
        do {
            _ = try VirtualDisk.open("/vm/escape.vmdk", access: access)
            Issue.record("an extent outside the root was opened")
        } catch {
            #expect(error.code == .pathEscape)
            #expect(error.description.hasPrefix("mem:/vm/escape.vmdk: \"/elsewhere/base-flat.vmdk\" leaves /vm"))
        }
        #expect(!access.openedNames.contains("/elsewhere/base-flat.vmdk"))
    }
}

@Suite("What a file holds, from its first bytes")
struct FileFormatTests {
    @Test("magic numbers, tar headers and text are told apart; a tar is never mistaken for what its member name spells")
    func sniff() throws {
        #expect(FileFormat.sniff(Array("KDMV".utf8) + [UInt8](repeating: 0, count: 508)) == .hostedSparse)
        #expect(FileFormat.sniff(Array("COWD".utf8) + [UInt8](repeating: 0, count: 508)) == .vmfsSparseDelta)
        var seSparse = [UInt8](repeating: 0, count: 512)
        withUnsafeBytes(of: SESparseExtent.constMagic.littleEndian) { seSparse.replaceSubrange(0..<8, with: $0) }
        #expect(FileFormat.sniff(seSparse) == .seSparseDelta)
        #expect(FileFormat.sniff(Array("# Disk DescriptorFile\nversion=1\n".utf8)) == .text)
        // qemu's in-place rewrite: text, NUL, a few leftover text bytes, NULs.
        #expect(FileFormat.sniff(Array("CID=1\n".utf8) + [0, 0x0a] + [UInt8](repeating: 0, count: 100)) == .text)
        #expect(FileFormat.sniff([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01]) == .unknown)
        #expect(FileFormat.sniff([]) == .unknown)

        let scratch = try Scratch()
        try scratch.write("KDMV-named-member", Array("KDMV".utf8) + [UInt8](repeating: 0, count: 600))
        _ = try Tool.run("/usr/bin/tar", ["--format=ustar", "-cf", "a.ova", "KDMV-named-member"], in: scratch.path)
        let head = Array(try scratch.read("a.ova").prefix(FileFormat.headLength))
        #expect(FileFormat.sniff(head) == .tarArchive)
    }
}
