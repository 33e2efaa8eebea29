import Ceph
import Foundation
import Libvirt
import Testing
import TestSupport

@Suite("ferry migrate, end to end on the local cluster and libvirtd", .serialized)
struct MigrateCommandTests {
    @Test("a VMX with a SCSI boot disk, a SATA data disk and a NIC migrates, keeps its MAC and boots from RBD",
          .timeLimit(.minutes(5)))
    func migrateAndBoot() async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.path
        let vmName = TestEnvironment.uniqueName("ferry-mig-e2e")
        let marker = "FERRY-MIGRATED \(vmName)"

        // The boot disk: a boot sector that prints the marker, as a monolithicSparse VMDK.
        let raw = "\(folder)/boot.raw"
        _ = FileManager.default.createFile(atPath: raw, contents: Data(BootSector.printing(marker)))
        try Command.run(["truncate", "-s", "8M", raw])
        try Command.run(["qemu-img", "convert", "-f", "raw", "-O", "vmdk", raw, "\(folder)/\(vmName).vmdk"])
        // The data disk: streamOptimized with scattered data.
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "\(folder)/data-src.vmdk", "24M"])
        try Command.run(["qemu-io", "-f", "vmdk", "-c", "write -P 0x3C 1M 3M", "-c", "write -P 0x7E 20M 64k",
                         "\(folder)/data-src.vmdk"])
        try Command.run(["qemu-img", "convert", "-f", "vmdk", "-O", "vmdk", "-o", "subformat=streamOptimized",
                         "\(folder)/data-src.vmdk", "\(folder)/data.vmdk"])
        try ImportFixtures.vmx(name: vmName, memoryMiB: 128, vcpus: 1, coresPerSocket: 1)
            .write(toFile: "\(folder)/\(vmName).vmx", atomically: true, encoding: .utf8)

        let bridge = try Self.makeBridge()
        defer { _ = try? Command.run(["ip", "link", "delete", bridge]) }

        let conf = try TestEnvironment.cephConfigFile()
        let pool = try RadosCluster(configuration: .fromEnvironment(configFile: conf)).ioContext(pool: TestEnvironment.pool)
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)
        let images = ["\(vmName)-disk0", "\(vmName)-disk1"]
        let serialLog = "\(try TestEnvironment.clusterDirectory())/\(vmName)-serial.log"
        defer {
            if let domain = try? hypervisor.domain(named: vmName) {
                try? domain.destroy()
                try? domain.undefine()
            }
            for image in images { try? pool.removeImage(image, purgingSnapshots: true) }
            try? FileManager.default.removeItem(atPath: serialLog)
        }
        let arguments = [
            "migrate", "\(folder)/\(vmName).vmx", "--pool", TestEnvironment.pool, "--conf", conf,
            "--network", "VM Network=bridge:\(bridge)", "--serial-log", serialLog, "--progress", "none",
        ]

        let dryRun = try FerryRun.run(arguments + ["--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.standardError)")
        #expect(dryRun.standardOutput.contains("<mac address='00:50:56:01:02:03'/>"))
        #expect(try await pool.imageExists(images[0]) == false, "a dry run must not import")
        #expect(try await hypervisor.domain(named: vmName) == nil, "a dry run must not define")

        let run = try FerryRun.run(arguments + ["--start"])
        #expect(run.status == 0, "\(run.standardError)")
        let domain = try #require(try await hypervisor.domain(named: vmName))
        #expect(try await domain.isActive())
        let xml = try await domain.xml(inactive: true)
        #expect(xml.contains("<mac address='00:50:56:01:02:03'/>"))
        #expect(xml.contains("name='\(TestEnvironment.pool)/\(images[0])'"))
        #expect(xml.contains("name='\(TestEnvironment.pool)/\(images[1])'"))
        #expect(xml.contains("<secret type='ceph' uuid="))
        #expect(xml.contains("<uuid>421a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8</uuid>"))

        var output = ""
        for _ in 0..<120 where !output.contains(marker) {
            try await Task.sleep(for: .milliseconds(500))
            output = (try? String(contentsOfFile: serialLog, encoding: .utf8)) ?? ""
        }
        #expect(output.contains(marker), "serial log: \(output.suffix(300))")

        // Both images hold exactly what qemu-img reads from the VMDKs.
        for (image, vmdk) in zip(images, ["\(vmName).vmdk", "data.vmdk"]) {
            let exported = "\(folder)/\(image).raw"
            let oracle = "\(folder)/\(image).oracle"
            try Command.run(["rbd", "export", "--no-progress", "\(TestEnvironment.pool)/\(image)", exported])
            try Command.run(["qemu-img", "convert", "-f", "vmdk", "-O", "raw", "\(folder)/\(vmdk)", oracle])
            let sums = try [exported, oracle].map { String(decoding: try Command.run(["sha256sum", $0]), as: UTF8.self).prefix(64) }
            #expect(sums[0] == sums[1], "\(image) differs from \(vmdk)")
        }

        // The name is taken now: a second migration is refused before copying anything.
        let again = try FerryRun.run(arguments)
        #expect(again.status == 1)
        #expect(again.standardError.contains("already exists"))
        #expect(again.standardError.split(separator: "\n").count == 1)
    }

    @Test("an OVA (OVF + manifest + streamOptimized disk) migrates in place from the tar and boots",
          .timeLimit(.minutes(5)))
    func migrateOVA() async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.path
        let vmName = TestEnvironment.uniqueName("ferry-mig-ova")
        let marker = "FERRY-OVA \(vmName)"
        let raw = "\(folder)/boot.raw"
        _ = FileManager.default.createFile(atPath: raw, contents: Data(BootSector.printing(marker)))
        try Command.run(["truncate", "-s", "8M", raw])
        try Command.run(["qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", raw,
                         "\(folder)/disk1.vmdk"])
        try Self.ovf(name: vmName).write(toFile: "\(folder)/vm.ovf", atomically: true, encoding: .utf8)
        let sums = try ["vm.ovf", "disk1.vmdk"].map { member in
            let digest = String(decoding: try Command.run(["sha256sum", "\(folder)/\(member)"]), as: UTF8.self).prefix(64)
            return "SHA256(\(member))= \(digest)\n"
        }
        try sums.joined().write(toFile: "\(folder)/vm.mf", atomically: true, encoding: .utf8)
        try Command.run(["tar", "--format=ustar", "-C", folder, "-cf", "\(folder)/\(vmName).ova", "vm.ovf", "vm.mf", "disk1.vmdk"])

        let conf = try TestEnvironment.cephConfigFile()
        let pool = try RadosCluster(configuration: .fromEnvironment(configFile: conf)).ioContext(pool: TestEnvironment.pool)
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)
        let serialLog = "\(try TestEnvironment.clusterDirectory())/\(vmName)-serial.log"
        defer {
            if let domain = try? hypervisor.domain(named: vmName) {
                try? domain.destroy()
                try? domain.undefine()
            }
            try? pool.removeImage("\(vmName)-disk0", purgingSnapshots: true)
            try? FileManager.default.removeItem(atPath: serialLog)
        }
        let bridge = try Self.makeBridge()
        defer { _ = try? Command.run(["ip", "link", "delete", bridge]) }
        let run = try FerryRun.run([
            "migrate", "\(folder)/\(vmName).ova", "--pool", TestEnvironment.pool, "--conf", conf, "--progress", "none",
            "--network", "VM Network=bridge:\(bridge)", "--serial-log", serialLog, "--start",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        let domain = try #require(try await hypervisor.domain(named: vmName))
        #expect(try await domain.xml(inactive: true).contains("<mac address='00:50:56:0a:0b:0c'/>"))
        var output = ""
        for _ in 0..<120 where !output.contains(marker) {
            try await Task.sleep(for: .milliseconds(500))
            output = (try? String(contentsOfFile: serialLog, encoding: .utf8)) ?? ""
        }
        #expect(output.contains(marker), "serial log: \(output.suffix(300))")
    }

    @Test("an OVA whose only disk is streamOptimized is read in one pass: a manifest the disk contradicts is found during the import, the image stays unfinished, no domain is defined",
          .timeLimit(.minutes(3)))
    func migrateOVAInOnePass() async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.path
        let vmName = TestEnvironment.uniqueName("ferry-mig-1pass")
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "\(folder)/src.vmdk", "8M"])
        try Command.run(["qemu-io", "-f", "vmdk", "-c", "write -P 0x5A 1M 2M", "\(folder)/src.vmdk"])
        try Command.run(["qemu-img", "convert", "-f", "vmdk", "-O", "vmdk", "-o", "subformat=streamOptimized",
                         "\(folder)/src.vmdk", "\(folder)/disk1.vmdk"])
        try Self.ovf(name: vmName).write(toFile: "\(folder)/vm.ovf", atomically: true, encoding: .utf8)
        let ovfDigest = String(decoding: try Command.run(["sha256sum", "\(folder)/vm.ovf"]), as: UTF8.self).prefix(64)
        // The disk's digest is wrong: only reading the whole disk can tell.
        let manifest = "SHA256(vm.ovf)= \(ovfDigest)\nSHA256(disk1.vmdk)= \(String(repeating: "0", count: 64))\n"
        try manifest.write(toFile: "\(folder)/vm.mf", atomically: true, encoding: .utf8)
        try Command.run(["tar", "--format=ustar", "-C", folder, "-cf", "\(folder)/\(vmName).ova", "vm.ovf", "vm.mf", "disk1.vmdk"])

        let conf = try TestEnvironment.cephConfigFile()
        let pool = try RadosCluster(configuration: .fromEnvironment(configFile: conf)).ioContext(pool: TestEnvironment.pool)
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)
        defer {
            if let domain = try? hypervisor.domain(named: vmName) { try? domain.undefine() }
            try? pool.removeImage("\(vmName)-disk0", purgingSnapshots: true)
        }
        let run = try FerryRun.run([
            "migrate", "\(folder)/\(vmName).ova", "--pool", TestEnvironment.pool, "--conf", conf, "--progress", "none",
            "--network", "VM Network=bridge:br-unused",
        ])
        #expect(run.status == 1)
        let lines = run.standardError.split(separator: "\n").filter { $0.hasPrefix("ferry: ") }
        #expect(lines.count == 1, "\(run.standardError)")
        #expect(run.standardError.contains("disk1.vmdk"), "\(run.standardError)")
        #expect(run.standardError.lowercased().contains("manifest"), "\(run.standardError)")
        // The stream path created the image before the mismatch could be known: it must not look finished.
        let image = try await pool.openImage("\(vmName)-disk0", readOnly: true)
        defer { try? image.close() }
        #expect(try await image.metadata("ferry.state") == "importing")
        #expect(try await image.snapshots().isEmpty)
        #expect(try await hypervisor.domain(named: vmName) == nil)
    }

    /// A Linux bridge for the test VM's NIC to attach to when it starts; the caller deletes it.
    static func makeBridge() throws -> String {
        let name = "ferrybr\(Int.random(in: 100...999))"
        try Command.run(["ip", "link", "add", name, "type", "bridge"])
        try Command.run(["ip", "link", "set", name, "up"])
        return name
    }

    static func ovf(name: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" \
        xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" \
        xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" \
        xmlns:vmw="http://www.vmware.com/schema/ovf">
          <References><File ovf:href="disk1.vmdk" ovf:id="file1"/></References>
          <DiskSection><Info>Virtual disk information</Info>
            <Disk ovf:capacity="8" ovf:capacityAllocationUnits="byte * 2^20" ovf:diskId="vmdisk1" ovf:fileRef="file1" \
        ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
          </DiskSection>
          <NetworkSection><Info>Networks</Info><Network ovf:name="VM Network"><Description>VM Network</Description></Network></NetworkSection>
          <VirtualSystem ovf:id="\(name)">
            <Info>A virtual machine</Info>
            <Name>\(name)</Name>
            <OperatingSystemSection ovf:id="101" vmw:osType="otherLinux64Guest"><Info>Guest OS</Info></OperatingSystemSection>
            <VirtualHardwareSection>
              <Info>Virtual hardware requirements</Info>
              <System><vssd:ElementName>Virtual Hardware Family</vssd:ElementName><vssd:InstanceID>0</vssd:InstanceID>\
        <vssd:VirtualSystemIdentifier>\(name)</vssd:VirtualSystemIdentifier><vssd:VirtualSystemType>vmx-14</vssd:VirtualSystemType></System>
              <Item><rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits><rasd:ElementName>1 virtual CPU</rasd:ElementName>\
        <rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
              <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>128MB of memory</rasd:ElementName>\
        <rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>128</rasd:VirtualQuantity></Item>
              <Item><rasd:Address>0</rasd:Address><rasd:ElementName>SCSI controller 0</rasd:ElementName><rasd:InstanceID>3</rasd:InstanceID>\
        <rasd:ResourceSubType>lsilogic</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType></Item>
              <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>Hard disk 1</rasd:ElementName>\
        <rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent>\
        <rasd:ResourceType>17</rasd:ResourceType></Item>
              <Item><rasd:Address>00:50:56:0a:0b:0c</rasd:Address><rasd:AddressOnParent>7</rasd:AddressOnParent>\
        <rasd:Connection>VM Network</rasd:Connection><rasd:ElementName>Network adapter 1</rasd:ElementName>\
        <rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
            </VirtualHardwareSection>
          </VirtualSystem>
        </Envelope>
        """
    }

    @Test("an unmapped VMware network is refused before anything is copied")
    func unmappedNetwork() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.path
        let vmName = TestEnvironment.uniqueName("ferry-mig-net")
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "\(folder)/disk.vmdk", "8M"])
        try """
        displayName = "\(vmName)"
        memSize = "64"
        numvcpus = "1"
        scsi0.present = "TRUE"
        scsi0:0.present = "TRUE"
        scsi0:0.fileName = "disk.vmdk"
        ethernet0.present = "TRUE"
        ethernet0.virtualDev = "e1000"
        ethernet0.networkName = "Prod VLAN 12"
        """.write(toFile: "\(folder)/vm.vmx", atomically: true, encoding: .utf8)
        let run = try FerryRun.run(["migrate", "\(folder)/vm.vmx", "--pool", TestEnvironment.pool,
                                    "--conf", try TestEnvironment.cephConfigFile(), "--progress", "none"])
        #expect(run.status == 1)
        #expect(run.standardError.contains("Prod VLAN 12"))
        let pool = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
            .ioContext(pool: TestEnvironment.pool)
        #expect(try pool.imageExists("\(vmName)-disk0") == false)
    }
}
