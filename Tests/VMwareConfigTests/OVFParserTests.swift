import Foundation
import Testing
import VMwareConfig

/// OVF parsing: safety (XXE, size, overflow), the hardware mapping, and the dialects.
@Suite("OVF parser")
struct OVFParserTests {
    func parse(_ text: String, directory: String? = nil) throws -> OVFDescriptor {
        try OVFParser().parse(Array(text.utf8), file: "t.ovf", directory: directory)
    }

    func failure(_ text: String) -> VMwareConfigError? {
        #expect(throws: VMwareConfigError.self) { try parse(text) }
    }

    static let file1 = #"<File ovf:href="vm-disk1.vmdk" ovf:id="file1" ovf:size="3481968640"/>"#

    static let typicalHardware = OVFBuilder.hardware(
        OVFBuilder.item(3, type: 6, ["Address": "0", "ResourceSubType": "VirtualSCSI"])
            + OVFBuilder.item(4, type: 5, ["Address": "1"])
            + OVFBuilder.item(
                5, type: 17, ["AddressOnParent": "0", "HostResource": "ovf:/disk/vmdisk1", "Parent": "3"])
            + OVFBuilder.item(
                6, type: 15,
                ["AddressOnParent": "0", "Parent": "4", "ResourceSubType": "vmware.cdrom.remotepassthrough"])
            + OVFBuilder.item(
                7, type: 10, ["Address": "00:50:56:AB:CD:EF", "Connection": "VM Network", "ResourceSubType": "VmxNet3"])
            + #"<vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi"/>"#
            + #"<vmw:Config ovf:required="false" vmw:key="bootOptions.efiSecureBootEnabled" vmw:value="true"/>"#
            + #"<vmw:ExtraConfig ovf:required="false" vmw:key="vm.genid" vmw:value="-570734802784577186"/>"#
            + #"<vmw:ExtraConfig ovf:required="false" vmw:key="vm.genidX" vmw:value="-5042519231342505152"/>"#)

    // MARK: The mapping

    @Test func typicalExport() throws {
        let descriptor = try parse(
            OVFBuilder.envelope(
                references: Self.file1, sections: OVFBuilder.diskSection + OVFBuilder.networkSection,
                system:
                    #"<OperatingSystemSection ovf:id="80" vmw:osType="rhel9_64Guest"><Info>OS</Info></OperatingSystemSection>"#
                    + Self.typicalHardware),
            directory: "/import/pkg")
        #expect(descriptor.version == .v1)
        #expect(descriptor.files == [OVFDescriptor.File(id: "file1", href: "vm-disk1.vmdk", size: 3_481_968_640)])
        #expect(descriptor.disks.first?.capacityBytes == 40 << 30)
        #expect(descriptor.networks == ["VM Network"])
        let vm = try #require(descriptor.virtualMachines.first)
        #expect(vm.name == "test-vm")
        #expect(vm.guestOS == "rhel9_64Guest")
        #expect(vm.hardwareVersion == 19)
        #expect(vm.vcpus == 2 && vm.memoryMiB == 4096)
        #expect(vm.firmware == .efi(secureBoot: true))
        #expect(vm.genid == "8312995e-57b8-f814-4013-c1ba795f05ba")
        try #require(vm.disks.count == 2)
        let disk = vm.disks[0]
        #expect(disk.bus == .scsi && disk.controller == 0 && disk.unit == 0 && disk.controllerModel == .pvscsi)
        #expect(disk.fileName == "vm-disk1.vmdk" && disk.capacityBytes == 40 << 30 && disk.backing == .file)
        #expect(disk.resolvedPath == "/import/pkg/vm-disk1.vmdk")
        let cdrom = vm.disks[1]
        #expect(
            cdrom.bus == .ide && cdrom.controller == 1 && cdrom.deviceType == .cdrom && cdrom.backing == .clientDevice)
        #expect(
            vm.nics == [
                NetworkInterface(index: 0, model: .vmxnet3, networkName: "VM Network", mac: "00:50:56:ab:cd:ef")
            ])
        #expect(vm.warnings.isEmpty, "\(vm.warnings)")
    }

    @Test(arguments: [
        ("4096", "byte * 2^20", 4096), ("4", "byte * 2^30", 4096), ("4", "GigaBytes", 4096), ("512", "MegaBytes", 512),
        ("1048576", "KiloBytes", 1024), ("2147483648", "byte", 2048), ("1024", "byte*2^20", 1024),
        ("1", "byte * 2 ^ 30", 1024), ("2", "byte * 1024 * 1024 * 1024", 2048),
    ])
    func memoryUnits(_ quantity: String, _ units: String, _ mebibytes: Int) throws {
        let vm = try parse(OVFBuilder.envelope(system: OVFBuilder.hardware(memory: quantity, units: units)))
            .virtualMachines[0]
        #expect(vm.memoryMiB == mebibytes)
    }

    @Test func coresPerSocket() throws {
        let hardware = OVFBuilder.hardware(cpus: 8).replacingOccurrences(
            of: "<rasd:VirtualQuantity>8</rasd:VirtualQuantity></Item>",
            with:
                #"<rasd:VirtualQuantity>8</rasd:VirtualQuantity><vmw:CoresPerSocket ovf:required="false">4</vmw:CoresPerSocket></Item>"#
        )
        let vm = try parse(OVFBuilder.envelope(system: hardware)).virtualMachines[0]
        #expect(vm.vcpus == 8 && vm.coresPerSocket == 4 && vm.sockets == 2)
        let bad = hardware.replacingOccurrences(of: ">4</vmw:CoresPerSocket>", with: ">3</vmw:CoresPerSocket>")
        #expect(failure(OVFBuilder.envelope(system: bad))?.code == .invalidValue)
    }

    @Test func deploymentOptionsUseTheDefaultConfiguration() throws {
        let options = """
            <DeploymentOptionSection><Info>Sizes</Info>
              <Configuration ovf:id="small"><Label>Small</Label><Description>s</Description></Configuration>
              <Configuration ovf:id="large" ovf:default="true"><Label>Large</Label><Description>l</Description></Configuration>
            </DeploymentOptionSection>
            """
        let hardware = OVFBuilder.hardware(
            OVFBuilder.item(
                2, type: 4, ["VirtualQuantity": "16", "AllocationUnits": "byte * 2^30"],
                attributes: #"ovf:configuration="large""#)
                + OVFBuilder.item(1, type: 3, ["VirtualQuantity": "1"], attributes: #"ovf:configuration="small""#))
        let vm = try parse(OVFBuilder.envelope(sections: options, system: hardware)).virtualMachines[0]
        #expect(vm.memoryMiB == 16384, "the large item replaces the generic one with the same InstanceID")
        #expect(vm.vcpus == 2, "the small-only CPU item does not apply")
    }

    @Test func rangesUseTheNormalValue() throws {
        let hardware = OVFBuilder.hardware(
            OVFBuilder.item(2, type: 4, ["VirtualQuantity": "8192"], attributes: #"ovf:bound="max""#)
                + OVFBuilder.item(2, type: 4, ["VirtualQuantity": "1024"], attributes: #"ovf:bound="min""#))
        #expect(try parse(OVFBuilder.envelope(system: hardware)).virtualMachines[0].memoryMiB == 4096)
        let orphan = OVFBuilder.hardware(
            OVFBuilder.item(9, type: 4, ["VirtualQuantity": "8192"], attributes: #"ovf:bound="max""#))
        #expect(failure(OVFBuilder.envelope(system: orphan))?.code == .missingField)
    }

    @Test func diskWithoutParentGoesToTheFirstSCSIController() throws {
        let hardware = OVFBuilder.hardware(OVFBuilder.item(5, type: 17, ["HostResource": "ovf:/disk/vmdisk1"]))
        let vm = try parse(
            OVFBuilder.envelope(references: Self.file1, sections: OVFBuilder.diskSection, system: hardware)
        )
        .virtualMachines[0]
        #expect(vm.disks.first.map { "\($0.bus.rawValue)\($0.controller):\($0.unit)" } == "scsi0:0")
        #expect(vm.warnings.count == 1)
    }

    @Test func clashingAddressesAreMovedWithAWarning() throws {
        // VirtualBox exports put a disk and a CD-ROM on the same IDE address.
        let hardware = OVFBuilder.hardware(
            OVFBuilder.item(3, type: 5, ["Address": "1"])
                + OVFBuilder.item(
                    5, type: 17, ["AddressOnParent": "0", "HostResource": "ovf:/disk/vmdisk1", "Parent": "3"])
                + OVFBuilder.item(6, type: 15, ["AddressOnParent": "0", "Parent": "3"]))
        let vm = try parse(
            OVFBuilder.envelope(references: Self.file1, sections: OVFBuilder.diskSection, system: hardware)
        )
        .virtualMachines[0]
        #expect(vm.disks.map(\.unit) == [0, 1])
        #expect(vm.warnings.count == 1)
    }

    @Test func blankDiskAndISOFile() throws {
        let references = Self.file1 + #"<File ovf:href="tools.iso" ovf:id="iso"/>"#
        let disks = """
            <DiskSection><Info>d</Info><Disk ovf:capacity="1024" ovf:capacityAllocationUnits="byte * 2^20" ovf:diskId="blank"/>
            <Disk ovf:capacity="1" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="x#streamOptimized"/></DiskSection>
            """
        let hardware = OVFBuilder.hardware(
            OVFBuilder.item(3, type: 6, ["ResourceSubType": "lsilogic"])
                + OVFBuilder.item(
                    4, type: 17, ["HostResource": "ovf:/disk/blank", "Parent": "3", "AddressOnParent": "1"])
                + OVFBuilder.item(
                    5, type: 17, ["HostResource": "ovf:/disk/vmdisk1", "Parent": "3", "AddressOnParent": "0"])
                + OVFBuilder.item(6, type: 20, ["ResourceSubType": "vmware.sata.ahci"])
                + OVFBuilder.item(7, type: 15, ["HostResource": "ovf:/file/iso", "Parent": "6"]))
        let vm = try parse(OVFBuilder.envelope(references: references, sections: disks, system: hardware))
            .virtualMachines[0]
        #expect(
            vm.disks.map { "\($0.bus.rawValue)\($0.controller):\($0.unit)/\($0.backing.rawValue)" } == [
                "scsi0:0/file", "scsi0:1/none", "sata0:0/file",
            ])
        try #require(vm.disks.count == 3)
        #expect(vm.disks[1].capacityBytes == 1 << 30 && vm.disks[1].fileName == nil)
        #expect(vm.disks[2].fileName == "tools.iso" && vm.disks[2].deviceType == .cdrom)
    }

    @Test func hrefsOutsideThePackageAreNotResolved() throws {
        for href in ["../../etc/shadow", "/etc/shadow", "http://example.com/disk.vmdk"] {
            let references = #"<File ovf:href="\#(href)" ovf:id="file1"/>"#
            let hardware = OVFBuilder.hardware(OVFBuilder.item(5, type: 17, ["HostResource": "ovf:/disk/vmdisk1"]))
            let descriptor = try parse(
                OVFBuilder.envelope(references: references, sections: OVFBuilder.diskSection, system: hardware),
                directory: "/import/pkg")
            try #require(descriptor.virtualMachines.first?.disks.count == 1)
            #expect(descriptor.virtualMachines[0].disks[0].fileName == href)
            #expect(descriptor.virtualMachines[0].disks[0].resolvedPath == nil, "\(href)")
            #expect(!descriptor.warnings.isEmpty)
        }
    }

    @Test func ovf09Dialect() throws {
        let text = """
            <?xml version="1.0" encoding="utf-8"?>
            <ovf:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ovf="http://www.vmware.com/schema/ovf/1/envelope" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" ovf:version="0.9">
              <References><File ovf:id="file1" ovf:href="d.vmdk" ovf:size="1024"/></References>
              <Section xsi:type="ovf:DiskSection_Type"><Info>d</Info>
                <Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="1073741824" ovf:format="http://www.vmware.com/specifications/vmdk.html#sparse"/></Section>
              <Content xsi:type="ovf:VirtualSystem_Type" ovf:id="old">
                <Info>i</Info>
                <Section xsi:type="ovf:VirtualHardwareSection_Type"><Info>h</Info>
                  <Item><rasd:InstanceId>1</rasd:InstanceId><rasd:ResourceType>4</rasd:ResourceType><rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits><rasd:VirtualQuantity>512</rasd:VirtualQuantity></Item>
                  <Item><rasd:InstanceId>8</rasd:InstanceId><rasd:ResourceType>6</rasd:ResourceType><rasd:ResourceSubType>buslogic, lsilogic</rasd:ResourceSubType><rasd:BusNumber>0</rasd:BusNumber></Item>
                  <Item><rasd:InstanceId>6</rasd:InstanceId><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>/disk/vmdisk1</rasd:HostResource><rasd:Parent>8</rasd:Parent></Item>
                </Section>
              </Content>
            </ovf:Envelope>
            """
        let descriptor = try parse(text)
        #expect(descriptor.version == .v0_9)
        let vm = descriptor.virtualMachines[0]
        #expect(vm.name == "old" && vm.memoryMiB == 512)
        #expect(vm.disks.first?.controllerModel == .buslogic && vm.disks.first?.fileName == "d.vmdk")
        let unversioned = text.replacingOccurrences(of: #" ovf:version="0.9""#, with: "")
        #expect(failure(unversioned)?.code == .unsupported)
    }

    @Test func virtualSystemCollection() throws {
        let text = """
            <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData">
              <References/>
              <VirtualSystemCollection ovf:id="app"><Info>vApp</Info>
                <StartupSection><Info>order</Info><Item ovf:id="db" ovf:order="1"/><Item ovf:id="web" ovf:order="2"/></StartupSection>
                <VirtualSystem ovf:id="db"><Info>i</Info>\(OVFBuilder.hardware(cpus: 4))</VirtualSystem>
                <VirtualSystem ovf:id="web"><Info>i</Info>\(OVFBuilder.hardware(cpus: 1))</VirtualSystem>
              </VirtualSystemCollection>
            </Envelope>
            """
        let descriptor = try parse(text)
        #expect(descriptor.virtualMachines.map(\.name) == ["db", "web"])
        #expect(descriptor.virtualMachines.map(\.vcpus) == [4, 1])
        let dangling = text.replacingOccurrences(of: #"<Item ovf:id="web""#, with: #"<Item ovf:id="cache""#)
        #expect(failure(dangling)?.code == .danglingReference)
    }

    // MARK: Safety

    @Test(arguments: [
        #"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Envelope>&e;</Envelope>"#,
        #"<?xml version="1.0"?><!DOCTYPE Envelope SYSTEM "http://attacker.example/ovf.dtd"><Envelope/>"#,
        #"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><Envelope>&b;</Envelope>"#,
        "<Envelope><!ENTITY sneaky SYSTEM \"file:///etc/hostname\"></Envelope>",
    ])
    func entitiesAndDTDsAreRefusedBeforeParsing(_ text: String) {
        let error = failure(text)
        #expect(error?.code == .externalEntity)
        #expect(error?.line == 1)
    }

    @Test func utf16DocumentsAreScannedToo() throws {
        let text =
            #"<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Envelope>&e;</Envelope>"#
        let littleEndian: [UInt8] = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let utf16: [UInt8] = [0xFF, 0xFE] + littleEndian
        let error = #expect(throws: VMwareConfigError.self) { try OVFParser().parse(utf16, file: "t.ovf") }
        #expect(error?.code == .externalEntity)
        #expect(throws: VMwareConfigError.self) { try OVFParser().parse(littleEndian, file: "t.ovf") }
    }

    @Test func sizeLimit() throws {
        let small = OVFParser(options: .init(maximumSize: 1024))
        let text = OVFBuilder.envelope(system: OVFBuilder.hardware())
        let error = #expect(throws: VMwareConfigError.self) { try small.parse(Array(text.utf8), file: "t.ovf") }
        #expect(error?.code == .tooLarge)
        #expect(OVFParser().options.maximumSize == 16 << 20)
        let scratch = try Scratch()
        let path = try scratch.write("big.ovf", bytes: [UInt8](repeating: 0x20, count: 2048))
        #expect(throws: VMwareConfigError.self) { try small.parse(contentsOf: path) }
    }

    @Test(arguments: [
        (#"ovf:capacity="1099511627776" ovf:capacityAllocationUnits="byte * 2^30""#, VMwareConfigError.Code.tooLarge),
        (#"ovf:capacity="18446744073709551615""#, .tooLarge),
        (#"ovf:capacity="18446744073709551616""#, .tooLarge),
        (#"ovf:capacity="8" ovf:capacityAllocationUnits="byte * 2^64""#, .invalidValue),
        (#"ovf:capacity="8" ovf:capacityAllocationUnits="furlongs""#, .invalidValue),
        (#"ovf:capacity="0""#, .invalidValue),
        (#"ovf:capacity="-1""#, .invalidValue),
        (#"ovf:capacity="12abc""#, .invalidValue),
        (#"ovf:capacity="1024" ovf:populatedSize="2048""#, .invalidValue),
    ])
    func diskSizesThatMustNotTrap(_ attributes: String, _ code: VMwareConfigError.Code) {
        let disks =
            #"<DiskSection><Info>d</Info><Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="f" \#(attributes)/></DiskSection>"#
        let error = failure(OVFBuilder.envelope(references: Self.file1, sections: disks, system: OVFBuilder.hardware()))
        #expect(error?.code == code, "\(attributes)")
    }

    @Test func memoryOverflow() {
        let huge = OVFBuilder.envelope(
            system: OVFBuilder.hardware(memory: "18446744073709551615", units: "byte * 2^20"))
        #expect(failure(huge)?.code == .tooLarge)
        let absurd = OVFBuilder.envelope(system: OVFBuilder.hardware(memory: "64", units: "byte * 2^40"))
        #expect(failure(absurd)?.code == .tooLarge)
    }

    @Test func fileSizeBoundaries() throws {
        // govmomi security-test-content: 2^63-1 is accepted, 2^63 and negatives are not.
        func file(_ size: String) -> String {
            OVFBuilder.envelope(
                references: #"<File ovf:href="a.vmdk" ovf:id="file1" ovf:size="\#(size)"/>"#,
                system: OVFBuilder.hardware())
        }
        #expect(try parse(file("9223372036854775807")).files.first?.size == UInt64(Int64.max))
        #expect(failure(file("9223372036854775808"))?.code == .tooLarge)
        #expect(failure(file("-9223372036854775807"))?.code == .invalidValue)
        #expect(failure(file("-9223372036854775809"))?.code == .invalidValue)
        #expect(failure(file("99999999999999999999999999"))?.code == .tooLarge)
    }

    @Test func referencesMustBeConsistent() {
        let hardware = OVFBuilder.hardware()
        let cases: [(String, String, VMwareConfigError.Code)] = [
            (#"<File ovf:href="a" ovf:id="f"/><File ovf:href="b" ovf:id="f"/>"#, "", .duplicate),
            (#"<File ovf:href="a" ovf:id="f"/><File ovf:href="a" ovf:id="g"/>"#, "", .duplicate),
            (#"<File ovf:id="f"/>"#, "", .missingField),
            (#"<File ovf:href="a"/>"#, "", .missingField),
            (#"<File ovf:href="a" ovf:id="f" ovf:compression="bzip2"/>"#, "", .unsupported),
            (#"<File ovf:href="a" ovf:id="f" ovf:chunkSize="0"/>"#, "", .invalidValue),
            ("", OVFBuilder.diskSection, .danglingReference),
            (
                Self.file1,
                OVFBuilder.diskSection.replacingOccurrences(
                    of: "</DiskSection>", with: #"<Disk ovf:capacity="1" ovf:diskId="vmdisk1"/></DiskSection>"#),
                .duplicate
            ),
            (
                Self.file1,
                OVFBuilder.diskSection.replacingOccurrences(
                    of: "</DiskSection>",
                    with: #"<Disk ovf:capacity="1" ovf:diskId="d2" ovf:fileRef="file1" ovf:format="f"/></DiskSection>"#),
                .duplicate
            ),
            (
                Self.file1,
                OVFBuilder.diskSection.replacingOccurrences(
                    of: "</DiskSection>",
                    with: #"<Disk ovf:capacity="1" ovf:diskId="d2" ovf:parentRef="nope"/></DiskSection>"#),
                .danglingReference
            ),
        ]
        for (references, sections, code) in cases {
            #expect(
                failure(OVFBuilder.envelope(references: references, sections: sections, system: hardware))?.code
                    == code, "\(references) \(sections)")
        }
    }

    @Test func hardwareMustBeConsistent() {
        let cases: [(String, VMwareConfigError.Code)] = [
            (OVFBuilder.item(5, type: 17, ["HostResource": "ovf:/disk/nope", "Parent": "99"]), .danglingReference),
            (
                OVFBuilder.item(3, type: 6, [:])
                    + OVFBuilder.item(5, type: 17, ["HostResource": "ovf:/disk/nope", "Parent": "3"]),
                .danglingReference
            ),
            (OVFBuilder.item(1, type: 10, [:]), .duplicate),
            ("<Item><rasd:ResourceType>10</rasd:ResourceType></Item>", .missingField),
            ("<Item><rasd:InstanceID>9</rasd:InstanceID></Item>", .missingField),
            (OVFBuilder.item(9, type: 10, ["Address": "not-a-mac"]), .invalidValue),
            (OVFBuilder.item(9, type: 10, ["Connection": "Undeclared Net"]), .danglingReference),
            (OVFBuilder.item(9, type: 10, ["Reservation": "lots"]), .invalidValue),
            (
                "<Item><rasd:InstanceID>9</rasd:InstanceID><rasd:ResourceType>10</rasd:ResourceType><rasd:Frobnicate>1</rasd:Frobnicate></Item>",
                .unsupported
            ),
            (#"<vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="csm"/>"#, .unsupported),
        ]
        for (items, code) in cases {
            #expect(failure(OVFBuilder.envelope(system: OVFBuilder.hardware(items)))?.code == code, "\(items)")
        }
        let optionalUnknown =
            "<Item><rasd:InstanceID>9</rasd:InstanceID><rasd:ResourceType>10</rasd:ResourceType><rasd:Frobnicate ovf:required=\"false\">1</rasd:Frobnicate></Item>"
        #expect(throws: Never.self) { try parse(OVFBuilder.envelope(system: OVFBuilder.hardware(optionalUnknown))) }
    }

    @Test func envelopeStructure() {
        let noInfo = OVFBuilder.envelope(system: OVFBuilder.hardware()).replacingOccurrences(
            of: "<Info>A virtual machine</Info>", with: "")
        #expect(failure(noInfo)?.code == .missingField)
        let noHardware = OVFBuilder.envelope(system: "")
        #expect(failure(noHardware)?.code == .missingField)
        let misplaced = OVFBuilder.envelope(system: OVFBuilder.networkSection + OVFBuilder.hardware())
        #expect(failure(misplaced)?.code == .invalidValue)
        let required = OVFBuilder.envelope(
            sections: "<FooSection><Info>f</Info></FooSection>", system: OVFBuilder.hardware())
        #expect(failure(required)?.code == .unsupported)
        let vendorRequired = OVFBuilder.envelope(
            sections: #"<x:Special xmlns:x="urn:x" ovf:required="true"><Info>s</Info></x:Special>"#,
            system: OVFBuilder.hardware())
        #expect(throws: Never.self, "not a section: an extension element is ignored") { try parse(vendorRequired) }
        let vendorSection = OVFBuilder.envelope(
            sections: #"<x:SpecialSection xmlns:x="urn:x" ovf:required="true"><Info>s</Info></x:SpecialSection>"#,
            system: OVFBuilder.hardware())
        #expect(failure(vendorSection)?.code == .unsupported)
        let optional = OVFBuilder.envelope(
            sections: #"<FooSection ovf:required="false"><Info>f</Info></FooSection>"#, system: OVFBuilder.hardware())
        #expect(throws: Never.self) { try parse(optional) }
        let notOVF = "<Envelope xmlns=\"urn:other\"/>"
        #expect(failure(notOVF)?.code == .unsupported)
        #expect(failure("<html><body>not an ovf</body></html>")?.code == .unsupported)
        #expect(failure("")?.code == .syntax)
        let broken = failure("<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\">\n<References>\n</Envelope>")
        #expect(broken?.code == .syntax)
        #expect(broken?.line != nil)
    }

    @Test func errorDescriptionIsOneLine() {
        let error = failure(
            OVFBuilder.envelope(system: OVFBuilder.hardware(OVFBuilder.item(9, type: 10, ["Address": "zz"]))))
        #expect(error?.description.hasPrefix("t.ovf: line ") == true)
        #expect(error?.description.contains("\n") == false)
    }
}
