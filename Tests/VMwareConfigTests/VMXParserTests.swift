import Foundation
import Testing
import VMwareConfig

/// VMX semantics, including every VMX case of peer-data/BAD-INPUT-CASES.md that has no
/// stored fixture (written here from libvirt-vmx2xml/NOTES.md).
@Suite("VMX parser")
struct VMXParserTests {
    static let header = "config.version = \"8\"\nvirtualHW.version = \"19\"\ndisplayName = \"vm\"\n"

    func parse(
        _ body: String, datastores: DatastoreMap = DatastoreMap(), directory: String = "/vms/vm"
    ) throws -> VirtualMachine {
        let document = try VMXDocument(text: Self.header + body, file: "vm.vmx")
        return try VMXParser(options: .init(datastores: datastores)).parse(document, vmxDirectory: directory)
    }

    func failure(_ body: String, datastores: DatastoreMap = DatastoreMap()) -> VMwareConfigError? {
        #expect(throws: VMwareConfigError.self) { try parse(body, datastores: datastores) }
    }

    // MARK: Identity, CPU, memory, firmware

    @Test func basicsAndDefaults() throws {
        let vm = try parse("")
        #expect(vm.name == "vm")
        #expect(vm.memoryMiB == 32, "VMware's default memsize")
        #expect(vm.vcpus == 1 && vm.coresPerSocket == 1 && vm.sockets == 1)
        #expect(vm.firmware == .bios)
        #expect(vm.uuid == nil && vm.genid == nil)
        #expect(vm.hardwareVersion == 19)
        #expect(vm.disks.isEmpty && vm.nics.isEmpty && vm.warnings.isEmpty)
    }

    @Test func fullMachine() throws {
        let vm = try parse(
            """
            memSize = "8192"
            numvcpus = "8"
            cpuid.coresPerSocket = "4"
            firmware = "efi"
            uefi.secureBoot.enabled = "TRUE"
            guestOS = "windows2019srvNext-64"
            uuid.bios = "42 25 6e c1 e0 66 93 64-3d d1 36 a0 b7 52 63 DD"
            vc.uuid = "50250f27-538b-5091-a43b-a50ce95f2382"
            annotation = "line one|0Aline two"
            """)
        #expect(vm.memoryMiB == 8192)
        #expect(vm.vcpus == 8 && vm.coresPerSocket == 4 && vm.sockets == 2)
        #expect(vm.firmware == .efi(secureBoot: true))
        #expect(vm.guestOS == "windows2019srvNext-64")
        #expect(vm.uuid == "42256ec1-e066-9364-3dd1-36a0b75263dd")
        #expect(vm.instanceUUID == "50250f27-538b-5091-a43b-a50ce95f2382")
        #expect(vm.annotation == "line one\nline two")
    }

    @Test func missingDisplayNameFallsBackToTheFileName() throws {
        let document = try VMXDocument(text: "config.version = \"8\"\n", file: "/vms/web01/web01.vmx")
        let vm = try VMXParser().parse(document, vmxDirectory: "/vms/web01")
        #expect(vm.name == "web01")
        #expect(vm.warnings.count == 1)
    }

    @Test func notANumberMessage() throws {
        // The one-line form the CLI prints.
        let text = (1...11).map { "key\($0) = \"x\"" }.joined(separator: "\n") + "\nmemSize = \"abc\"\n"
        let document = try VMXDocument(text: text, file: "vm.vmx")
        let error = #expect(throws: VMwareConfigError.self) { try VMXParser().parse(document, vmxDirectory: ".") }
        #expect(error?.description == #"vm.vmx: line 12: memSize "abc" is not a number"#)
        #expect(error?.code == .invalidValue)
        #expect(error?.key == "memSize")
        #expect(error?.line == 12)
    }

    /// BAD-INPUT-CASES.md, VMX rows without fixtures: libvirt rejects each of these; Ferry
    /// rejects them too, except where noted in `lenientCases`.
    @Test(arguments: [
        ("config.version = \"7\"", VMwareConfigError.Code.unsupported),
        ("virtualHW.version = \"3\"", .unsupported),
        ("memsize = \"1023\"", .invalidValue),
        ("memsize = \"0\"", .invalidValue),
        ("memsize = \"-4\"", .invalidValue),
        ("memsize = \"99999999999999999999\"", .invalidValue),
        ("memsize = \"999999999999\"", .invalidValue),
        ("numvcpus = \"0\"", .invalidValue),
        ("numvcpus = \"-2\"", .invalidValue),
        ("numvcpus = \"4\"\ncpuid.coresPerSocket = \"3\"", .invalidValue),
        ("cpuid.coresPerSocket = \"0\"", .invalidValue),
        ("firmware = \"uefi-csm\"", .unsupported),
        ("uuid.bios = \"56 4d 54 59 5d 0c 51 8d-d3 40 38 4f fe bf e4\"", .invalidValue),
        ("uuid.bios = \"56 4d 54 59 5d 0c 51 8d-d3 40 38 4f fe bf e4 zz\"", .invalidValue),
        ("displayName = \"bad |4 escape\"", .invalidValue),
        ("annotation = \"bad |zz escape\"", .invalidValue),
        (
            "ethernet0.present = \"TRUE\"\nethernet0.addressType = \"static\"\nethernet0.address = \"00:50:56:zz:00:01\"",
            .invalidValue
        ),
        ("ethernet0.present = \"TRUE\"\nethernet0.generatedAddress = \"00:50:56:01\"", .invalidValue),
        ("ethernet0.present = \"TRUE\"\nethernet0.addressType = \"static\"", .missingField),
        ("ethernet0.present = \"TRUE\"\nethernet0.addressType = \"random\"", .invalidValue),
        ("uefi.secureBoot.enabled = \"maybe\"", .invalidValue),
        ("vm.genid = \"12x\"\nvm.genidX = \"1\"", .invalidValue),
        ("encryption.keySafe = \"vmware:key/list/...\"", .unsupported),
    ])
    func rejected(_ body: String, _ code: VMwareConfigError.Code) {
        let error = failure(body)
        #expect(error?.code == code, "\(body)")
        #expect(error?.line != nil, "\(body): the error names the line")
    }

    /// Where Ferry is deliberately more lenient than libvirt: hardware it replaces anyway is
    /// reported, not fatal.
    @Test func unknownControllerAndNICModelsAndHostOnlyAreWarnings() throws {
        let vm = try parse(
            """
            scsi0.present = "TRUE"
            scsi0.virtualDev = "megaraid9000"
            scsi0:0.present = "TRUE"
            scsi0:0.fileName = "vm.vmdk"
            ethernet0.present = "TRUE"
            ethernet0.virtualDev = "vmxnet4"
            ethernet0.connectionType = "hostonly"
            ethernet0.generatedAddress = "00:0c:29:aa:bb:cc"
            """)
        #expect(vm.disks.first?.controllerModel?.rawValue == "megaraid9000")
        #expect(vm.nics.first?.model?.rawValue == "vmxnet4")
        #expect(vm.nics.first?.connectionType == "hostonly")
        #expect(vm.warnings.count == 3, "\(vm.warnings)")
    }

    @Test func firmwareBiosIsAccepted() throws {
        #expect(try parse("firmware = \"bios\"").firmware == .bios)
        #expect(try parse("firmware = \"EFI\"").firmware == .efi(secureBoot: false))
    }

    // MARK: Generation ID

    @Test func generationIDInGuestByteOrder() throws {
        // virt-v2v test-i-vmx-5 (note the lower-case x) and test-i-vmx-7.
        let five = try parse("vm.genid = \"-570734802784577186\"\nvm.genidx = \"-5042519231342505152\"")
        #expect(five.genid == "8312995e-57b8-f814-4013-c1ba795f05ba")
        // libvirt esx-in-the-wild-17: libvirt master prints 3191ed70-eb21-9c71-2478-373fb27fed9b.
        let seventeen = try parse("vm.genid = \"3571897048718482545\"\nvm.genidX = \"2627911129287880091\"")
        #expect(seventeen.genid == "eb219c71-ed70-3191-9bed-7fb23f377824")
    }

    @Test func halfAGenerationIDIsAWarning() throws {
        let vm = try parse("vm.genid = \"1\"")
        #expect(vm.genid == nil)
        #expect(vm.warnings.count == 1)
    }

    // MARK: Disks and paths

    @Test func diskOrderFollowsLibvirt() throws {
        let vm = try parse(
            """
            nvme0.present = "TRUE"
            nvme0:0.present = "TRUE"
            nvme0:0.fileName = "n.vmdk"
            ide1:0.present = "TRUE"
            ide1:0.deviceType = "cdrom-image"
            ide1:0.fileName = "tools.iso"
            sata0.present = "TRUE"
            sata0:2.present = "TRUE"
            sata0:2.fileName = "s.vmdk"
            scsi1.present = "TRUE"
            scsi1:0.present = "TRUE"
            scsi1:0.fileName = "b.vmdk"
            scsi0.present = "TRUE"
            scsi0.virtualDev = "pvscsi"
            scsi0:10.present = "TRUE"
            scsi0:10.fileName = "a10.vmdk"
            scsi0:2.present = "TRUE"
            scsi0:2.fileName = "a2.vmdk"
            floppy0.present = "TRUE"
            floppy0.fileType = "device"
            floppy0.fileName = "/dev/fd0"
            """)
        #expect(
            vm.disks.map { "\($0.bus.rawValue)\($0.controller):\($0.unit)" } == [
                "scsi0:2", "scsi0:10", "scsi1:0", "sata0:2", "ide1:0", "nvme0:0", "floppy0:0",
            ])
        try #require(vm.disks.count == 7)
        #expect(vm.disks[0].controllerModel == .pvscsi)
        #expect(vm.disks[2].controllerModel == nil, "no virtualDev: no model, as libvirt without autodetection")
        #expect(vm.disks[4].deviceType == .cdrom && vm.disks[4].resolvedPath == "/vms/vm/tools.iso")
        #expect(vm.disks[6].deviceType == .floppy && vm.disks[6].backing == .hostDevice)
    }

    @Test func snapshotDeltaIsTheChainHeadAndKeptAsWritten() throws {
        let vm = try parse(
            "scsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"vm-000002.vmdk\"\nscsi0:0.mode = \"persistent\""
        )
        #expect(vm.disks.first?.fileName == "vm-000002.vmdk")
        #expect(vm.disks.first?.resolvedPath == "/vms/vm/vm-000002.vmdk")
        #expect(vm.disks.first?.mode == .persistent)
    }

    @Test func datastoresByNameUUIDAndHostPath() throws {
        let map = DatastoreMap(
            ["datastore1": "/mnt/ds1", "4af0231d-1eff559a-6369-0024e84773b6": "/mnt/ds1"],
            hostPaths: ["/data/vmware": "/mnt/ws", "/data/vmware/special": "/mnt/special", "C:\\VMs": "/mnt/win"])
        let vm = try parse(
            """
            scsi0.present = "TRUE"
            scsi0:0.present = "TRUE"
            scsi0:0.fileName = "/vmfs/volumes/datastore1/other vm/other vm.vmdk"
            scsi0:1.present = "TRUE"
            scsi0:1.fileName = "/vmfs/volumes/4af0231d-1eff559a-6369-0024e84773b6/Fedora11/Fedora11.vmdk"
            scsi0:2.present = "TRUE"
            scsi0:2.fileName = "/data/vmware/disk.vmdk"
            scsi0:3.present = "TRUE"
            scsi0:3.fileName = "/data/vmware/special/disk.vmdk"
            scsi0:4.present = "TRUE"
            scsi0:4.fileName = "C:\\VMs\\win\\win.vmdk"
            scsi0:5.present = "TRUE"
            scsi0:5.fileName = "sub/dir/x.vmdk"
            scsi0:6.present = "TRUE"
            scsi0:6.fileName = "../shared/base.vmdk"
            """, datastores: map)
        #expect(
            vm.disks.map(\.resolvedPath) == [
                "/mnt/ds1/other vm/other vm.vmdk", "/mnt/ds1/Fedora11/Fedora11.vmdk", "/mnt/ws/disk.vmdk",
                "/mnt/special/disk.vmdk", "/mnt/win/win/win.vmdk", "/vms/vm/sub/dir/x.vmdk", "/vms/shared/base.vmdk",
            ])
        try #require(vm.disks.count == 7)
        #expect(vm.disks[4].fileName == "C:\\VMs\\win\\win.vmdk", "fileName stays as written")
    }

    @Test func unmappedDiskIsAnErrorButUnmappedISOIsAWarning() throws {
        let disk = failure(
            "scsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"/vmfs/volumes/ds9/vm/vm.vmdk\"")
        #expect(disk?.code == .unmappedDatastore)
        #expect(disk?.key == "scsi0:0.fileName")
        #expect(disk?.line == 6)
        #expect(disk?.message.contains("\"ds9\"") == true)
        let hostPath = failure("ide0:0.present = \"TRUE\"\nide0:0.fileName = \"/data/vm.vmdk\"")
        #expect(hostPath?.code == .unmappedDatastore)

        let vm = try parse(
            "ide1:0.present = \"TRUE\"\nide1:0.deviceType = \"cdrom-image\"\nide1:0.fileName = \"/vmfs/volumes/iso/win.iso\""
        )
        #expect(vm.disks.first?.deviceType == .cdrom)
        #expect(vm.disks.first?.resolvedPath == nil)
        #expect(vm.disks.first?.fileName == "/vmfs/volumes/iso/win.iso")
        #expect(vm.warnings.count == 1)
    }

    @Test func pathsCannotEscapeTheirDatastore() {
        let error = failure(
            "scsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"/vmfs/volumes/ds/../../etc/shadow\"",
            datastores: DatastoreMap(["ds": "/mnt/ds"]))
        #expect(error?.code == .invalidValue)
    }

    @Test func checkFilesExist() throws {
        let scratch = try Scratch()
        try scratch.write("vm.vmdk", "")
        let body = """
            displayName = "vm"
            scsi0.present = "TRUE"
            scsi0:0.present = "TRUE"
            scsi0:0.fileName = "vm.vmdk"
            ide0:0.present = "TRUE"
            ide0:0.fileName = "gone.iso"
            """
        let path = try scratch.write("vm.vmx", body)
        let vm = try VMXParser(options: .init(checkFilesExist: true)).parse(contentsOf: path)
        try #require(vm.disks.count == 2)
        #expect(vm.disks[0].resolvedPath == scratch.file("vm.vmdk"))
        #expect(vm.disks[1].resolvedPath == nil)
        try scratch.write("vm.vmx", body.replacingOccurrences(of: "\"vm.vmdk\"", with: "\"gone.vmdk\""))
        let error = #expect(throws: VMwareConfigError.self) {
            try VMXParser(options: .init(checkFilesExist: true)).parse(contentsOf: path)
        }
        #expect(error?.code == .missingFile)
    }

    @Test func deviceClassification() throws {
        let vm = try parse(
            """
            scsi0.present = "TRUE"
            scsi0:0.present = "TRUE"
            scsi0:0.deviceType = "scsi-passthru"
            scsi0:0.fileName = "/vmfs/devices/genscsi/naa.600"
            scsi0:1.present = "TRUE"
            scsi0:1.deviceType = "cdrom-raw"
            scsi0:1.fileName = "auto detect"
            sata0.present = "TRUE"
            sata0:0.present = "TRUE"
            sata0:0.deviceType = "cdrom-image"
            sata0:0.fileName = "emptyBackingString"
            sata0:0.startConnected = "FALSE"
            ide0:0.present = "TRUE"
            ide0:0.clientDevice = "TRUE"
            ide0:0.deviceType = "atapi-cdrom"
            ide0:1.present = "TRUE"
            ide0:1.deviceType = "ata-hardDisk"
            ide0:1.fileName = "ide.vmdk"
            ide0:1.mode = "independent-nonpersistent"
            """)
        let kinds = vm.disks.map { "\($0.deviceType.rawValue)/\($0.backing.rawValue)" }
        #expect(
            kinds == ["passthrough/hostDevice", "cdrom/hostDevice", "cdrom/none", "cdrom/clientDevice", "disk/file"])
        try #require(vm.disks.count == 5)
        #expect(vm.disks[2].startConnected == false)
        #expect(vm.disks[4].mode == .independentNonpersistent)
        #expect(vm.warnings.count == 2, "pass-through and discarded writes: \(vm.warnings)")
    }

    @Test func presentDeviceOnAnAbsentControllerIsIgnoredWithAWarning() throws {
        let vm = try parse("scsi1:0.present = \"TRUE\"\nscsi1:0.fileName = \"x.vmdk\"")
        #expect(vm.disks.isEmpty)
        #expect(vm.warnings.count == 1)
    }

    @Test func hardDiskWithoutFileNameAndOutOfRangeUnits() {
        #expect(failure("scsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"")?.code == .missingField)
        #expect(failure("ide2:0.present = \"TRUE\"\nide2:0.fileName = \"x.vmdk\"")?.code == .invalidValue)
        #expect(
            failure("scsi0.present = \"TRUE\"\nscsi0:65.present = \"TRUE\"\nscsi0:65.fileName = \"x.vmdk\"")?.code
                == .invalidValue)
        #expect(
            failure("sata0.present = \"TRUE\"\nsata0:30.present = \"TRUE\"\nsata0:30.fileName = \"x.vmdk\"")?.code
                == .invalidValue)
    }

    @Test func devicesNotPresentAreIgnored() throws {
        let vm = try parse(
            "scsi0.present = \"TRUE\"\nscsi0:0.present = \"FALSE\"\nscsi0:0.fileName = \"x.vmdk\"\nscsi0:1.fileName = \"y.vmdk\""
        )
        #expect(vm.disks.isEmpty)
    }

    // MARK: NICs, serial ports, unsupported hardware

    @Test func networkInterfaces() throws {
        let vm = try parse(
            """
            ethernet0.present = "TRUE"
            ethernet0.virtualDev = "vmxnet3"
            ethernet0.networkName = "VM Network"
            ethernet0.addressType = "vpx"
            ethernet0.generatedAddress = "00:50:56:A0:CF:2F"
            ethernet2.present = "TRUE"
            ethernet2.virtualDev = "vmxnet"
            ethernet2.features = "15"
            ethernet2.addressType = "static"
            ethernet2.address = "00-50-56-11-22-33"
            ethernet2.startConnected = "FALSE"
            ethernet1.present = "TRUE"
            ethernet1.addressType = "generated"
            ethernet1.dvs.switchId = "50 34 26 b2 94 e9 3b 16-1d 68 87 bf ff 4a 54 40"
            ethernet1.dvs.portgroupId = "dvportgroup-1285"
            ethernet3.present = "FALSE"
            """)
        #expect(vm.nics.map(\.index) == [0, 1, 2])
        #expect(vm.nics[0].model == .vmxnet3)
        #expect(vm.nics[0].mac == "00:50:56:a0:cf:2f")
        #expect(vm.nics[0].addressType == .vpx)
        #expect(vm.nics[0].networkName == "VM Network")
        #expect(vm.nics[1].mac == nil, "generated, but not yet stored")
        #expect(vm.nics[1].model == nil)
        #expect(vm.nics[1].distributedSwitchID == "503426b2-94e9-3b16-1d68-87bfff4a5440")
        #expect(vm.nics[1].distributedPortGroup == "dvportgroup-1285")
        #expect(vm.nics[2].model == .vmxnet2)
        #expect(vm.nics[2].mac == "00:50:56:11:22:33")
        #expect(vm.nics[2].addressType == .static)
        #expect(vm.nics[2].startConnected == false)
    }

    @Test func serialPortsAndUnsupportedHardware() throws {
        let vm = try parse(
            """
            serial0.present = "TRUE"
            serial0.fileType = "network"
            serial0.fileName = "telnet://:9001"
            serial1.present = "FALSE"
            pciPassthru0.present = "TRUE"
            pciPassthru0.deviceId = "0x1eb8"
            vtpm.present = "TRUE"
            parallel0.present = "TRUE"
            sharedFolder0.present = "TRUE"
            sharedFolder0.enabled = "TRUE"
            sharedFolder0.hostPath = "/Users/me"
            nvdimm0.present = "TRUE"
            """)
        #expect(vm.serialPorts == [SerialPort(index: 0, kind: "network", target: "telnet://:9001")])
        #expect(vm.warnings.count == 5, "\(vm.warnings)")
    }

    @Test func modelIsCodableAndHashable() throws {
        let vm = try parse(
            "firmware = \"efi\"\nscsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"a.vmdk\"")
        let data = try JSONEncoder().encode(vm)
        let decoded = try JSONDecoder().decode(VirtualMachine.self, from: data)
        #expect(decoded == vm)
        #expect(Set([vm, decoded]).count == 1)
    }
}
