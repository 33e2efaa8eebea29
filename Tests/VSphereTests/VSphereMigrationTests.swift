import Ceph
import Foundation
import Libvirt
import TestSupport
import Testing

@Suite("ferry migrate vsphere://, against vcsim behind nginx", .serialized)
struct VSphereMigrationTests {
    @Test(
        "a VM whose disks are a thin vmfs disk under a vmfsSparse and a seSparse snapshot, and a second thin disk, migrates through 503s and dropped connections byte for byte, with the domain XML its .vmx gives, and boots",
        .timeLimit(.minutes(5)))
    func migratesChainThroughFaults() async throws {
        let name = TestEnvironment.uniqueName("vs-chain")
        let folder = try VCSim.folder(name)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let marker = "FERRY-VSPHERE-OK \(name)"
        let fixture = try ChainFixture.write(in: folder, name: name, marker: marker)
        let uuid = UUID().uuidString.lowercased()
        let instanceUUID = UUID().uuidString.lowercased()
        try VCSim.createVM(fixture.spec(uuid: uuid, instanceUUID: instanceUUID))
        defer { VCSim.removeVM(name) }
        let localVMX = "\(folder)/\(name)-local.vmx"
        try fixture.vmx(uuid: uuid, instanceUUID: instanceUUID).write(toFile: localVMX, atomically: true, encoding: .utf8)

        let conf = try TestEnvironment.cephConfigFile()
        let pool = try RadosCluster(configuration: .fromEnvironment(configFile: conf)).ioContext(pool: TestEnvironment.pool)
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)
        let images = ["\(name)-disk0", "\(name)-disk1"]
        let serialLog = "\(try TestEnvironment.clusterDirectory())/\(name)-serial.log"
        let bridge = "fbr\(Int.random(in: 10000...99999))"
        _ = try Command.run(["ip", "link", "add", bridge, "type", "bridge"])
        defer {
            if let domain = try? hypervisor.domain(named: name) {
                try? domain.destroy()
                try? domain.undefine()
            }
            for image in images { try? pool.removeImage(image, purgingSnapshots: true) }
            try? FileManager.default.removeItem(atPath: serialLog)
            _ = try? Command.run(["ip", "link", "delete", bridge])
        }
        let common = [
            "--pool", TestEnvironment.pool, "--conf", conf, "--network", "VM Network=bridge:\(bridge)",
            "--serial-log", serialLog, "--domain-type", "qemu", "--progress", "none",
        ]
        let faults = try VCSim.faultsURL()
        let source = "vsphere://\(VCSim.endpoint(faults))/\(try VCSim.datacenter())/\(name)"

        // The same VM read through the API and from its .vmx gives the same domain.
        let fromVMX = try FerryRun.run(["migrate", localVMX, "--dry-run"] + common)
        let fromAPI = try FerryRun.run(["migrate", source, "--dry-run"] + common + (try VCSim.options(faults)))
        #expect(fromVMX.status == 0, "\(fromVMX.standardError)")
        #expect(fromAPI.status == 0, "\(fromAPI.standardError)")
        #expect(fromAPI.standardOutput == fromVMX.standardOutput)
        #expect(fromAPI.standardOutput.contains("<uuid>\(uuid)</uuid>"))

        let logStart = try VCSim.accessLogSize()
        let run = try FerryRun.run(["migrate", source, "--start"] + common + (try VCSim.options(faults)))
        #expect(run.status == 0, "\(run.standardError)")

        // The faults really happened on this VM's files, and changed nothing.
        let lines = try VCSim.accessLogLines(since: logStart).filter { $0.contains("/folder/\(name)/") }
        let faulted = lines.filter { !$0.contains("fault=none") }
        #expect(faulted.count > 0, "no fault was injected into \(lines.count) datastore requests")
        // 2048 one-sector grains are read in a handful of requests, not one each.
        let deltaReads = lines.filter { $0.contains("-000001-delta.vmdk") && $0.contains("method=GET") }
        #expect(deltaReads.count < 64, "\(deltaReads.count) requests for the vmfsSparse delta")
        #expect(try ChainFixture.imageDigest("\(TestEnvironment.pool)/\(images[0])", conf: conf) == fixture.oracleDigest(fixture.head))
        #expect(try ChainFixture.imageDigest("\(TestEnvironment.pool)/\(images[1])", conf: conf) == fixture.oracleDigest(fixture.dataDisk))

        var output = ""
        for _ in 0..<120 where !output.contains(marker) {
            try await Task.sleep(for: .milliseconds(500))
            output = (try? String(contentsOfFile: serialLog, encoding: .utf8)) ?? ""
        }
        #expect(output.contains(marker), "serial log: \(output.suffix(300))")
        #expect(try VCSim.vm(name)["powerState"] as? String == "poweredOff", "the source VM stays off")
    }

    @Test("a powered-on VM is refused before anything is copied; with --shutdown poweroff it is off before the copy and after",
          .timeLimit(.minutes(3)))
    func poweredOnVM() async throws {
        let name = TestEnvironment.uniqueName("vs-on")
        let folder = try VCSim.folder(name)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fixture = try ChainFixture.write(in: folder, name: name, marker: "unused")
        var spec = fixture.spec(
            powerState: "poweredOn", uuid: UUID().uuidString.lowercased(), instanceUUID: UUID().uuidString.lowercased())
        // Its guest ignores the shutdown request, so only the power-off after the timeout stops it.
        spec["guestShutdown"] = "ignore"
        try VCSim.createVM(spec)
        defer { VCSim.removeVM(name) }

        let conf = try TestEnvironment.cephConfigFile()
        let pool = try RadosCluster(configuration: .fromEnvironment(configFile: conf)).ioContext(pool: TestEnvironment.pool)
        let images = ["\(name)-disk0", "\(name)-disk1"]
        defer {
            if let domain = try? Hypervisor(uri: TestEnvironment.libvirtURI).domain(named: name) { try? domain.undefine() }
            for image in images { try? pool.removeImage(image, purgingSnapshots: true) }
        }
        let sdk = try VCSim.sdkURL()
        let arguments = [
            "migrate", "vsphere://\(VCSim.endpoint(sdk))/\(try VCSim.datacenter())/\(name)", "--pool", TestEnvironment.pool,
            "--conf", conf, "--default-network", "network:default", "--progress", "none",
        ] + (try VCSim.options(sdk))

        let refused = try FerryRun.run(arguments)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("is poweredOn"), "\(refused.standardError)")
        #expect(refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
        #expect(try await pool.imageExists(images[0]) == false, "nothing is created for a refused VM")
        #expect(try VCSim.vm(name)["powerState"] as? String == "poweredOn", "a refusal does not touch the VM")

        let logStart = try VCSim.accessLogSize()
        let run = try FerryRun.run(arguments + ["--shutdown", "poweroff", "--shutdown-timeout", "2"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("did not shut down within 2 s; it was powered off"), "\(run.standardError)")
        #expect(try VCSim.vm(name)["powerState"] as? String == "poweredOff")
        #expect(try VCSim.accessLogLines(since: logStart).contains { $0.contains("/folder/\(name)/") }, "the disks were read")
        #expect(try ChainFixture.imageDigest("\(TestEnvironment.pool)/\(images[0])", conf: conf) == fixture.oracleDigest(fixture.head))
    }
}
