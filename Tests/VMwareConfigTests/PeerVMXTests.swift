import Foundation
import Testing
import TestSupport
import VMwareConfig

/// VMX inputs from virt-v2v, ManageIQ and virt-manager, checked against what those projects
/// expect wherever they express the same fact as Ferry.
@Suite("Peer VMX inputs")
struct PeerVMXTests {
    // MARK: virt-v2v

    @Test(arguments: 1...7)
    func virtV2V(_ number: Int) throws {
        let vm = try VMXParser().parse(contentsOf: PeerData.path("virt-v2v/vmx/test-i-vmx-\(number).vmx"))
        let expected = V2VExpected(try PeerData.text("virt-v2v/vmx/test-i-vmx-\(number).expected"))

        #expect(vm.name == expected.name)
        #expect(UInt64(vm.memoryMiB) << 20 == expected.memoryBytes)
        #expect(vm.vcpus == expected.vcpus)
        if let topology = expected.topology {
            #expect(vm.sockets == topology.sockets && vm.coresPerSocket == topology.cores)
        }
        #expect(vm.firmware.isEFI == (expected.firmware == "uefi"))
        #expect(vm.firmware == (vm.firmware.isEFI ? .efi(secureBoot: expected.secureBoot) : .bios))
        #expect(vm.genid == expected.genid, "Ferry and virt-v2v agree on the generation ID's byte order")

        // Hard disks: virt-v2v lists SCSI, NVMe, SATA, IDE; Ferry follows libvirt (SCSI,
        // SATA, IDE, NVMe). No case here mixes NVMe with SATA or IDE disks, so the sequences
        // must match exactly.
        #expect(vm.disks.filter { $0.deviceType == .disk }.map(\.bus.rawValue) == expected.disks)
        for disk in vm.disks where disk.deviceType == .disk {
            #expect(disk.resolvedPath?.hasPrefix(PeerData.path("virt-v2v/vmx")) == true, "relative to the .vmx")
        }

        // Removable media: virt-v2v reports only IDE CD-ROMs (slot = channel × 2 + unit) and
        // drops SATA ones (test 2, 6); Ferry keeps every CD-ROM, so compare the IDE ones.
        let ideCDROMs = vm.disks.filter { $0.deviceType == .cdrom && $0.bus == .ide }
        #expect(ideCDROMs.map { $0.controller * 2 + $0.unit } == expected.removable.map { $0.slot ?? -1 })
        if number == 2 || number == 6 {
            #expect(vm.disks.contains { $0.deviceType == .cdrom && $0.bus == .sata }, "Ferry keeps the SATA CD-ROM")
        }

        // NICs: virt-v2v names an adapter without networkName after the device ("ethernet0")
        // and calls it Bridge only for connectionType bridged; Ferry keeps networkName nil.
        #expect(vm.nics.count == expected.nics.count)
        for (nic, theirs) in zip(vm.nics, expected.nics) {
            #expect((nic.networkName ?? "ethernet\(nic.index)") == theirs.name)
            #expect((nic.connectionType == "bridged") == theirs.bridged)
            #expect(nic.mac == theirs.mac)
            #expect((nic.model?.rawValue ?? "e1000") == theirs.model)
        }
    }

    // MARK: ManageIQ

    @Test func manageIQHostedVMX() throws {
        let path = PeerData.path("manageiq-smartstate/test_vmware_config.vmx")
        let vm = try VMXParser().parse(contentsOf: path)
        let folder = (path as NSString).deletingLastPathComponent
        #expect(vm.name == "ManageIQ")
        #expect(vm.memoryMiB == 768)
        #expect(vm.guestOS == "ubuntu")
        #expect(vm.uuid == "564d3813-ebc0-8093-856b-f8f959ef9b9b")
        let disks = vm.disks.filter { $0.deviceType == .disk }
        #expect(
            disks.map(\.fileName) == ["ManageIQ.vmdk", "ManageIQ (2).vmdk", "ManageIQ (3).vmdk", "ManageIQ (4).vmdk"])
        #expect(disks.map(\.unit) == [0, 1, 2, 3])
        #expect(disks.allSatisfy { $0.bus == .scsi && $0.controller == 0 && $0.controllerModel == .lsilogic })
        try #require(disks.count == 4)
        #expect(disks[1].resolvedPath == folder + "/ManageIQ (2).vmdk")
        // ide1:0 with the lower-case key "filename" = "auto detect": the host's CD drive.
        let cdrom = vm.disks.first { $0.deviceType == .cdrom }
        #expect(cdrom?.bus == .ide && cdrom?.controller == 1 && cdrom?.unit == 0)
        #expect(cdrom?.backing == .hostDevice && cdrom?.fileName == "auto detect")
        // floppy0 ("A:") has no present key, so it is not present; the shared folder is off.
        #expect(!vm.disks.contains { $0.bus == .floppy })
        #expect(vm.nics.count == 1)
        #expect(vm.nics.first?.connectionType == "nat")
        #expect(vm.nics.first?.mac == "00:0c:29:ef:9b:9b")
        #expect(vm.warnings.isEmpty, "\(vm.warnings)")
    }

    // MARK: virt-manager (virt-convert)

    /// virt-convert's output also carries virt-install defaults (e1000 NICs, fixed MACs,
    /// copied disk paths), so only name, memory, vCPUs and the disk list are compared.
    @Test func virtConvertWorkstationVMX() throws {
        let vm = try VMXParser().parse(
            contentsOf: PeerData.path("virt-manager-virtconv/virtconv-files/vmx_input/test1.vmx"))
        #expect(vm.name == "fedora")
        #expect(vm.memoryMiB * 1024 == 524288)
        #expect(vm.vcpus == 1)
        #expect(vm.disks.filter { $0.deviceType == .disk }.map(\.fileName) == ["fedora.vmdk"])
        #expect(vm.disks.first?.controllerModel == .lsilogic)
        // virt-convert also listed a CD-ROM for ide1:0, whose present is FALSE; Ferry
        // follows VMware: a device that is not present does not exist.
        #expect(!vm.disks.contains { $0.deviceType == .cdrom })
        // No virtualDev: Ferry leaves the model open (virt-convert filled in e1000).
        #expect(vm.nics.count == 1 && vm.nics.first?.model == nil)
    }

    /// The CLI-test input (a Workstation 5 file written by virt-manager's setup.py, with
    /// raw-image IDE disks); virt-manager stored no conversion of it, so its own content is
    /// the expectation.
    @Test func virtConvertCLIInput() throws {
        let vm = try VMXParser().parse(
            contentsOf: PeerData.path("virt-manager-virtconv/cli-test-xml/virtconv/vmx/test1.vmx"))
        #expect(vm.name == "test-image")
        #expect(vm.memoryMiB == 256 && vm.vcpus == 7)
        #expect(vm.annotation == "None")
        #expect(
            vm.disks.map { "\($0.bus.rawValue)\($0.controller):\($0.unit)=\($0.fileName ?? "")" } == [
                "ide0:0=root.raw", "ide0:1=data.raw", "ide1:0=scratch.raw",
            ])
        #expect(vm.disks.allSatisfy { $0.deviceType == .disk && $0.mode == .persistent })
        #expect(vm.serialPorts.isEmpty)
        #expect(vm.nics.first?.connectionType == "nat" && vm.nics.first?.mac == nil)
    }

    @Test func virtConvertNoDisks() throws {
        let vm = try VMXParser().parse(
            contentsOf: PeerData.path("virt-manager-virtconv/virtconv-files/vmx_input/test-nodisks.vmx"))
        #expect(vm.name == "fedora")
        #expect(vm.memoryMiB == 512)
        #expect(vm.disks.filter { $0.deviceType == .disk }.isEmpty)
    }

    @Test func virtConvertESXDirectory() throws {
        let vm = try VMXParser().parse(
            contentsOf: PeerData.path("virt-manager-virtconv/virtconv-files/vmx_input/vmx-dir/test-vmdk-desc.vmx"))
        #expect(vm.name == "esx4.0-rhel4.8-i386")
        #expect(vm.memoryMiB == 512 && vm.vcpus == 2)
        #expect(
            vm.disks.map { "\($0.bus.rawValue)/\($0.deviceType.rawValue)" } == [
                "scsi/disk", "ide/cdrom", "floppy/floppy",
            ])
        // virt-convert shows the client-device CD-ROM as an IDE cdrom too, but drops the
        // client-device floppy; Ferry keeps both as empty drives.
        try #require(vm.disks.count == 3)
        #expect(vm.disks[1].backing == .clientDevice && vm.disks[1].startConnected == false)
        #expect(vm.disks[2].backing == .clientDevice)
        #expect(vm.nics.first?.mac == "00:0c:29:f7:05:02")
    }

    /// A VMware appliance shipped as a zip (minix/MS-DOS.vmx); the .vmx is taken out with
    /// unzip(1), since unpacking zips is not the VMX parser's job.
    @Test func virtConvertZippedAppliance() throws {
        let bytes = [UInt8](try Command.run([
            "unzip", "-p", PeerData.path("virt-manager-virtconv/virtconv-files/vmx_input/test-vmx-zip.zip"),
            "minix/MS-DOS.vmx",
        ]))
        let document = try VMXDocument(bytes: bytes, file: "test-vmx-zip.zip:minix/MS-DOS.vmx")
        let vm = try VMXParser().parse(document, vmxDirectory: "/unpacked/minix")
        #expect(vm.name == "minix")
        #expect(vm.memoryMiB * 1024 == 204800)
        #expect(vm.vcpus == 1)
        // virt-convert named the CD-ROM hdb (its next free slot); the VMX puts it on ide1:0.
        #expect(
            vm.disks.map { "\($0.bus.rawValue)\($0.controller):\($0.unit)/\($0.deviceType.rawValue)" } == [
                "ide0:0/disk", "ide1:0/cdrom",
            ])
        #expect(try #require(vm.disks.first).resolvedPath == "/unpacked/minix/MS-DOS.vmdk")
    }
}
