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
        try """
        .encoding = "UTF-8"
        config.version = "8"
        virtualHW.version = "14"
        displayName = "\(vmName)"
        memSize = "128"
        numvcpus = "1"
        guestOS = "otherlinux-64"
        uuid.bios = "42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8"
        scsi0.present = "TRUE"
        scsi0.virtualDev = "lsilogic"
        scsi0:0.present = "TRUE"
        scsi0:0.fileName = "\(vmName).vmdk"
        sata0.present = "TRUE"
        sata0:1.present = "TRUE"
        sata0:1.fileName = "data.vmdk"
        ethernet0.present = "TRUE"
        ethernet0.virtualDev = "vmxnet3"
        ethernet0.networkName = "VM Network"
        ethernet0.addressType = "static"
        ethernet0.address = "00:50:56:01:02:03"
        """.write(toFile: "\(folder)/\(vmName).vmx", atomically: true, encoding: .utf8)

        // A Linux bridge for the NIC to attach to when the domain starts.
        let bridge = "ferrybr\(Int.random(in: 100...999))"
        try Command.run(["ip", "link", "add", bridge, "type", "bridge"])
        defer { _ = try? Command.run(["ip", "link", "delete", bridge]) }
        try Command.run(["ip", "link", "set", bridge, "up"])

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
        #expect(try pool.imageExists(images[0]) == false, "a dry run must not import")
        #expect(try hypervisor.domain(named: vmName) == nil, "a dry run must not define")

        let run = try FerryRun.run(arguments + ["--start"])
        #expect(run.status == 0, "\(run.standardError)")
        let domain = try #require(try hypervisor.domain(named: vmName))
        #expect(try domain.isActive())
        let xml = try domain.xml(inactive: true)
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
