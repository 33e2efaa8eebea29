import Ceph
import Ferry
import Foundation
import MigrationTestSupport
import Libvirt
import TestSupport
import Testing
import VMwareConfig

@Suite("A migrated VM boots from RBD")
struct MigrationBootTests {
    @Test(
        "a .vmx becomes a registered, started domain that boots its RBD disk and prints the marker",
        .timeLimit(.minutes(2)))
    func bootsMigratedVM() async throws {
        let live = try LiveMigrationSetup.connect()
        let name = TestEnvironment.uniqueName("ferry-mig-boot")
        let marker = "FERRY-MIGRATED-OK \(name)"

        // The VMware side: a BIOS VM with one LSI Logic disk and a name libvirt could not take.
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let vmx = directory.appendingPathComponent("boot.vmx").path
        let biosUUID = UUID().uuidString.lowercased()
        try """
        config.version = "8"
        virtualHW.version = "19"
        displayName = "Boot <test> & 'co'"
        memSize = "64"
        numvcpus = "1"
        firmware = "bios"
        uuid.bios = "\(biosUUID)"
        scsi0.present = "TRUE"
        scsi0.virtualDev = "lsilogic"
        scsi0:0.present = "TRUE"
        scsi0:0.fileName = "boot.vmdk"
        """.write(toFile: vmx, atomically: true, encoding: .utf8)
        let machine = try VMXParser().parse(contentsOf: vmx)
        #expect(machine.importableDisks.count == 1)

        // The disk as the importer would leave it: a boot sector in an RBD image.
        let secret = LiveMigrationSetup.testSecret()
        var plan = live.plan(for: machine, name: name, secret: secret)
        let serialLog = "\(try TestEnvironment.clusterDirectory())/\(name)-serial.log"
        plan.serial = .file(path: serialLog)
        try live.createImages(plan)
        defer { live.removeImages(plan) }
        try await live.pool.withImage(plan.disks[0].image) { image in
            let sector = TestBuffer(BootSector.printing(marker))
            try await image.write(UnsafeRawBufferPointer(sector.bytes), at: 0)
            try await image.flush()
        }

        let definition = try DomainBuilder(plan: plan).build(for: machine)
        defer { try? FileManager.default.removeItem(atPath: serialLog) }
        defer { live.removeSecret(secret) }
        defer { live.removeDomain(named: name) }
        let registrar = DomainRegistrar(hypervisor: live.hypervisor)
        let registration = try registrar.register(
            definition, secret: secret, key: live.key, options: .init(start: true))
        #expect(registration.started && registration.uuid == biosUUID)
        #expect(try await registration.domain.isActive())
        #expect(try await ParsedXML(try registration.domain.xml()).value("/domain/title") == "Boot <test> & 'co'")

        var output = ""
        for _ in 0..<120 where !output.contains(marker) {
            try await Task.sleep(for: .milliseconds(500))
            output = (try? String(contentsOfFile: serialLog, encoding: .utf8)) ?? ""
        }
        #expect(output.contains(marker), "serial log was: \(output.suffix(400))")

        // A running domain is never replaced.
        let running = #expect(throws: MigrationError.self) {
            try registrar.register(
                definition, secret: secret, key: live.key, options: .init(replace: true, start: true))
        }
        #expect(running?.code == .domainRunning)

        try await registration.domain.destroy()
        try await registration.domain.undefine()
        #expect(try await live.hypervisor.domain(named: name) == nil)
    }
}
