import Foundation
import Testing
import VMwareConfig

/// OVF descriptors from Proxmox, virt-v2v and virt-manager, compared with what those
/// projects expect from them.
@Suite("Peer OVF inputs")
struct PeerOVFTests {
    // MARK: Proxmox (pve-storage src/test/run_ovf_tests.pl)

    /// Proxmox's expectations, and where Ferry's model says the same thing differently:
    /// - name: Proxmox drops characters that are not valid in a DNS name ("Win_2008-R2x64"
    ///   becomes "Win2008-R2x64"); Ferry keeps the OVF Name as written.
    /// - cores: Proxmox puts every vCPU in one socket; Ferry keeps VMware's topology (no
    ///   vmw:CoresPerSocket = one core per socket), so Proxmox's cores = Ferry's vcpus.
    /// - ostype: Proxmox maps vmw:osType to its own ids (win7, other); Ferry keeps VMware's.
    /// - disk address scsi0/scsi1: Proxmox numbers disks in boot order; Ferry keeps the
    ///   VMware controller and unit, in the same order.
    /// - virtual_size 2048: Proxmox reads it from the stand-in VMDKs; Ferry reports the
    ///   OVF's ovf:capacity, and the VMDK reader reports the file's own size.
    struct PVECase: Sendable, CustomTestStringConvertible {
        var file: String
        var name: String
        var proxmoxName: String
        var memoryMiB: Int
        var cores: Int
        var osType: String
        var disks: [String]
        var capacities: [UInt64]
        var nic: NICModel
        var efi: Bool
        var testDescription: String { file }
    }

    static let pveCases: [PVECase] = [
        PVECase(
            file: "Win_2008_R2_two-disks.ovf", name: "Win_2008-R2x64", proxmoxName: "Win2008-R2x64", memoryMiB: 2048,
            cores: 1, osType: "windows7Server64Guest", disks: ["disk1.vmdk", "disk2.vmdk"],
            capacities: [40 << 30, 1 << 30], nic: .e1000, efi: false),
        PVECase(
            file: "Win10-Liz.ovf", name: "Win10-Liz", proxmoxName: "Win10-Liz", memoryMiB: 6144, cores: 4,
            osType: "windows9_64Guest", disks: ["Win10-Liz-disk1.vmdk"], capacities: [128 << 30], nic: .e1000e,
            efi: false),
        PVECase(
            file: "Win10-Liz_no_default_ns.ovf", name: "Win10-Liz", proxmoxName: "Win10-Liz", memoryMiB: 6144, cores: 4,
            osType: "windows9_64Guest", disks: ["Win10-Liz-disk1.vmdk"], capacities: [128 << 30], nic: .e1000e,
            efi: true),
    ]

    @Test(arguments: pveCases)
    func proxmox(_ expected: PVECase) throws {
        let folder = PeerData.path("pve-storage-ovf")
        let descriptor = try OVFParser().parse(contentsOf: folder + "/" + expected.file)
        let vm = try #require(descriptor.virtualMachines.first)
        #expect(descriptor.virtualMachines.count == 1)
        #expect(vm.name == expected.name)
        #expect(vm.name.filter { $0 != "_" } == expected.proxmoxName)
        #expect(vm.memoryMiB == expected.memoryMiB)
        #expect(vm.vcpus == expected.cores && vm.sockets * vm.coresPerSocket == expected.cores)
        #expect(vm.guestOS == expected.osType)
        #expect(vm.firmware == (expected.efi ? .efi(secureBoot: false) : .bios))
        let disks = vm.disks.filter { $0.deviceType == .disk }
        #expect(disks.map(\.fileName) == expected.disks, "boot order = Proxmox's order=scsi0;scsi1")
        #expect(
            disks.map { "\($0.bus.rawValue)\($0.controller):\($0.unit)" }
                == expected.disks.indices.map { "scsi0:\($0)" })
        #expect(disks.map(\.resolvedPath) == expected.disks.map { folder + "/" + $0 }, "Proxmox: <dir>/href")
        #expect(disks.map(\.capacityBytes) == expected.capacities)
        #expect(vm.nics.map(\.model) == [expected.nic])
        #expect(vm.nics.first?.networkName == "bridged")
    }

    /// The namespace-per-element file must give exactly what the ordinary one gives, plus EFI.
    @Test func namespaceDeclaredPerElement() throws {
        let folder = PeerData.path("pve-storage-ovf")
        var plain = try OVFParser().parse(contentsOf: folder + "/Win10-Liz.ovf").virtualMachines[0]
        let local = try OVFParser().parse(contentsOf: folder + "/Win10-Liz_no_default_ns.ovf").virtualMachines[0]
        plain.firmware = .efi(secureBoot: false)
        #expect(plain == local)
    }

    @Test func proxmoxXXEIsRefused() throws {
        let error = #expect(throws: VMwareConfigError.self) {
            try OVFParser().parse(contentsOf: PeerData.path("pve-storage-ovf/XEE.ovf"))
        }
        #expect(error?.code == .externalEntity)
        #expect(error?.line == 2)
    }

    // MARK: virt-v2v (-i ova --print-source)

    @Test(arguments: ["formats", "gz", "snapshots", "subfolders", "tar", "two-disks"])
    func virtV2V(_ name: String) throws {
        let folder = PeerData.path("virt-v2v/ova")
        let descriptor = try OVFParser().parse(contentsOf: "\(folder)/test-i-ova-\(name).ovf")
        let vm = try #require(descriptor.virtualMachines.first)
        let expected = V2VExpected(try PeerData.text("virt-v2v/ova/test-i-ova-\(name).expected"))
        #expect(vm.name == expected.name)
        #expect(UInt64(vm.memoryMiB) << 20 == expected.memoryBytes)
        #expect(vm.vcpus == expected.vcpus)
        #expect(vm.firmware.isEFI == (expected.firmware == "uefi"))
        #expect(vm.firmware == (vm.firmware.isEFI ? .efi(secureBoot: expected.secureBoot) : .bios))
        #expect(vm.disks.filter { $0.deviceType == .disk }.map(\.bus.rawValue) == expected.disks)
        // virt-v2v's OVF reader numbers the CD-ROM slot by AddressOnParent alone; the
        // package's IDE controller has rasd:Address 1, which Ferry keeps as channel 1.
        let cdroms = vm.disks.filter { $0.deviceType == .cdrom }
        #expect(cdroms.map(\.bus.rawValue) == expected.removable.map(\.bus))
        #expect(cdroms.map(\.unit) == expected.removable.map { $0.slot ?? -1 })
        #expect(cdroms.allSatisfy { $0.controller == 1 })
        #expect(vm.nics.map { $0.model?.rawValue ?? "" } == expected.nics.map(\.model))
        #expect(vm.nics.map(\.networkName) == expected.nics.map(\.name))
        if name == "gz" {
            #expect(descriptor.files.first?.compression == "gzip")
            #expect(vm.disks.first?.fileName == "disk1.vmdk.gz")
        }
    }

    /// The hand-written OVF of virt-v2v's checksum tests (no expected print-out): it has
    /// no ovf:format, which Ferry notes instead of refusing.
    @Test func virtV2VMinimal() throws {
        for name in ["test-i-ova-checksums", "test-i-ova-as-root"] {
            let descriptor = try OVFParser().parse(contentsOf: PeerData.path("virt-v2v/ova/\(name).ovf"))
            let vm = try #require(descriptor.virtualMachines.first)
            #expect(vm.name == "ova-test" && vm.vcpus == 2 && vm.memoryMiB == 4096)
            #expect(vm.disks.first?.fileName == "disk.vmdk" && vm.disks.first?.capacityBytes == 512 << 20)
            #expect(vm.disks.first { $0.deviceType == .cdrom }?.backing == .clientDevice)
            #expect(descriptor.warnings.contains { $0.contains("ovf:format") })
        }
    }

    /// test-i-ova.ovf against the domain XML virt-v2v wrote for it: only the fields taken
    /// from the OVF (name, memory, vCPUs, one disk, a CD-ROM, a floppy, a bridge NIC).
    @Test func virtV2VFullConversion() throws {
        let vm = try #require(
            OVFParser().parse(contentsOf: PeerData.path("virt-v2v/ova/test-i-ova.ovf")).virtualMachines.first)
        let domain = try LibvirtDomain(
            xml: Data(contentsOf: URL(fileURLWithPath: PeerData.path("virt-v2v/ova/test-i-ova.xml"))))
        #expect(vm.name == domain.name)
        #expect(vm.memoryMiB * 1024 == domain.memoryKiB)
        #expect(vm.vcpus == domain.vcpus)
        #expect(vm.disks.map(\.deviceType.rawValue) == domain.disks.map(\.device))
        #expect(vm.nics.map(\.networkName) == domain.interfaces.map(\.bridge))
    }

    // MARK: virt-manager (virt-convert)

    @Test func virtConvert() throws {
        let folder = "virt-manager-virtconv/virtconv-files/ovf_input"
        // test1.ovf: "name test.ovf, memory 795648 KiB, 3 vCPUs, a SCSI disk and an IDE
        // disk backed by testfile" (virt-convert also dropped the empty CD-ROM and floppy).
        for path in [folder + "/test1.ovf", "virt-manager-virtconv/cli-test-xml/virtconv/ovf/test1.ovf"] {
            let vm = try OVFParser().parse(contentsOf: PeerData.path(path)).virtualMachines[0]
            #expect(vm.name == "test.ovf")
            #expect(vm.memoryMiB * 1024 == 795648 && vm.vcpus == 3)
            let disks = vm.disks.filter { $0.deviceType == .disk }
            #expect(
                disks.map { "\($0.bus.rawValue)=\($0.fileName ?? "")" } == ["scsi=test.ovf-disk1.vmdk", "ide=testfile"])
            #expect(vm.annotation == "This is the description, created by RWMJ.")
        }
        let two = try OVFParser().parse(contentsOf: PeerData.path(folder + "/test2.ovf")).virtualMachines[0]
        #expect(two.name == "w2k3 32bit" && two.memoryMiB == 1024 && two.vcpus == 1)
        #expect(two.disks.filter { $0.deviceType == .disk }.map(\.fileName) == ["w2k3 32bit-disk1.vmdk"])
        let gzip = try OVFParser().parse(contentsOf: PeerData.path(folder + "/test_gzip.ovf"))
        #expect(gzip.virtualMachines[0].memoryMiB == 4096)
        #expect(gzip.files.first?.compression == "gzip")
        // A non-VMware OVF 1.0 (CentOS appliance): SATA disk, no vmw:osType.
        let centos = try OVFParser().parse(
            contentsOf: PeerData.path(folder + "/ovf_directory/CentOS-6.4-i386-Gnome.ovf")
        )
        .virtualMachines[0]
        #expect(centos.name == "CentOS-6.4-i386-Gnome" && centos.memoryMiB == 512 && centos.guestOS == nil)
        #expect(
            centos.disks.first.map { "\($0.bus.rawValue)=\($0.fileName ?? "")" }
                == "sata=CentOS-6.4-i386-Gnome-disk1.vmdk")
    }

    @Test func virtConvertExpectedOutputs() throws {
        // ovf2libvirt_*.libvirt start with the domain XML, then a blank line and a log.
        for (input, output) in [("test1", "test1"), ("test2", "test2"), ("test_gzip", "test_gzip")] {
            let text = try PeerData.text(
                "virt-manager-virtconv/virtconv-files/libvirt_output/ovf2libvirt_\(output).libvirt")
            let xml = String(text[..<(text.range(of: "</domain>")!.upperBound)])
            let domain = try LibvirtDomain(xml: Data(xml.utf8))
            let vm = try OVFParser().parse(
                contentsOf: PeerData.path("virt-manager-virtconv/virtconv-files/ovf_input/\(input).ovf")
            ).virtualMachines[0]
            // virt-convert turned spaces in the name into underscores; Ferry keeps the OVF Name.
            #expect(vm.name.replacingOccurrences(of: " ", with: "_") == domain.name, "\(input)")
            #expect(vm.vcpus == domain.vcpus, "\(input)")
            #expect(vm.memoryMiB * 1024 == domain.memoryKiB, "\(input)")
            let ourDisks = vm.disks.filter { $0.deviceType == .disk }.map(\.bus.rawValue)
            #expect(ourDisks == domain.disks.filter { $0.device == "disk" }.map(\.bus), "\(input)")
        }
    }
}
