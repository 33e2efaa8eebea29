import Foundation
import Testing
import TestSupport
import VMDK

@testable import Ferry

@Suite("What a source path names")
struct SourceKindTests {
    private func write(_ folder: String, _ name: String, _ text: String) throws -> String {
        let path = "\(folder)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("content decides where it can; names only where text cannot tell")
    func kinds() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.path
        #expect(try SourceKind.of("-") == .standardInput)

        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=streamOptimized", "\(folder)/d.img", "1M"])
        #expect(try SourceKind.of("\(folder)/d.img") == .disk)

        // A tar is an OVA whatever it is called.
        try Command.run(["tar", "--format=ustar", "-C", folder, "-cf", "\(folder)/package.bin", "d.img"])
        #expect(try SourceKind.of("\(folder)/package.bin") == .ova)

        // A VMX without its suffix is known by its keys; a descriptor by its createType.
        let vmx = try write(folder, "config", "config.version = \"8\"\nvirtualHW.version = \"14\"\ndisplayName = \"a\"\n")
        #expect(try SourceKind.of(vmx) == .vmx)
        let descriptor = try write(
            folder, "disk.txt", "# Disk DescriptorFile\nversion=1\nCID=1\ncreateType=\"vmfs\"\n# virtualHW.version = \"14\"\n")
        #expect(try SourceKind.of(descriptor) == .disk)
        #expect(try SourceKind.of(try write(folder, "vm.vmx", "displayName = \"b\"\n")) == .vmx)

        // A file named .ova that is no tar stays an OVA, so its error speaks of archives.
        let fake = try write(folder, "broken.ova", "not a tar at all")
        #expect(try SourceKind.of(fake) == .ova)
        #expect(throws: VMDKError.self) { try ImportSource.open(fake) }
        do {
            _ = try ImportSource.open(fake)
        } catch let error as VMDKError {
            #expect(error.description.contains("not a tar archive"), "\(error)")
        }
    }

    @Test("a missing file is one line naming it")
    func missing() throws {
        do {
            _ = try SourceKind.of("/nowhere/vm.vmx")
            Issue.record("a missing file was given a kind")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.description.hasPrefix("/nowhere/vm.vmx: "))
            #expect(error.description.contains("No such file or directory (ENOENT)"))
        }
    }

    @Test("a URL no storage reads is one line naming it, not a failed realpath")
    func unknownScheme() throws {
        do {
            _ = try ImportSource.open("s3://bucket/web01/web01.vmdk")
            Issue.record("an s3:// source was opened")
        } catch let error as VMDKError {
            #expect(error.code == .unsupported)
            #expect(error.description == "s3://bucket/web01/web01.vmdk: no source storage reads s3:// paths; give a local path or a mounted datastore's")
        }
    }

    @Test("vsphere:// names a VM, or a datastore disk only readable through an open session")
    func vsphereSources() throws {
        #expect(try SourceKind.of("vsphere://vcenter.example/dc1/web01") == .vsphere)
        #expect(SourceKind.named("vsphere://vcenter.example/dc1/web01") == .vsphere)
        do {
            _ = try ImportSource.open("vsphere://vcenter.example/dc1/[ds1] web01/web01.vmdk")
            Issue.record("a datastore disk was opened without a session")
        } catch let error as VMDKError {
            #expect(error.description.hasPrefix("vsphere://vcenter.example/dc1/[ds1] web01/web01.vmdk: no open session with vSphere endpoint vcenter.example"))
        }
        #expect(throws: VMDKError.self) { try SourceKind.of("vsphere://vcenter.example/dc1") }
    }

    @Test("a lone disk handed to migrate is refused: it has no VM to define")
    func diskIsNoVM() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let disk = "\(directory.path)/lone.vmdk"
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", disk, "1M"])
        do {
            _ = try VMInspection.inspect(source: disk)
            Issue.record("a disk was inspected as a VM")
        } catch let error as MigrationError {
            #expect(error.description.contains("is a disk, not a VM"), "\(error)")
        }
    }
}
