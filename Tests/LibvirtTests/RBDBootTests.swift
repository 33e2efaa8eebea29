import Ceph
import Foundation
import Libvirt
import Testing
import TestSupport

@Suite("A libvirt domain boots from an RBD network disk")
struct RBDBootTests {
    @Test("a boot sector written through librbd runs under QEMU and prints its marker", .timeLimit(.minutes(2)))
    func bootsFromRBD() async throws {
        let cluster = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
        let pool = try cluster.ioContext(pool: TestEnvironment.pool)
        let key = try Keyring(path: try cluster.keyringPath()).keyBytes(for: cluster.configuration.entityName)
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)

        let name = TestEnvironment.uniqueName("ferry-boot")
        let marker = "FERRY-BOOT-OK \(name)"
        try await pool.createImage(name, size: 4 << 20)
        defer { try? pool.removeImage(name) }
        try await pool.withImage(name) { image in
            let sector = TestBuffer(BootSector.printing(marker))
            try await image.write(UnsafeRawBufferPointer(sector.bytes), at: 0)
            try await image.flush()
        }

        let secretUUID = UUID().uuidString.lowercased()
        let secret = try hypervisor.defineSecret(
            xml: LibvirtFixtures.cephSecretXML(uuid: secretUUID, usage: "\(name) secret"))
        defer { try? secret.undefine() }
        try secret.setValue(key)

        let serialLog = "\(try TestEnvironment.clusterDirectory())/\(name)-serial.log"
        defer { try? FileManager.default.removeItem(atPath: serialLog) }
        let domain = try await hypervisor.defineDomain(
            xml: LibvirtFixtures.rbdDomainXML(
                name: name, pool: TestEnvironment.pool, image: name, monitors: try cluster.monitors(),
                user: cluster.configuration.userID, secretUUID: secretUUID, serialLog: serialLog))
        defer { try? domain.undefine() }
        try await domain.start()
        defer { try? domain.destroy() }
        #expect(try await domain.isActive())

        var output = ""
        for _ in 0..<120 where !output.contains(marker) {
            try await Task.sleep(for: .milliseconds(500))
            output = (try? String(contentsOfFile: serialLog, encoding: .utf8)) ?? ""
        }
        #expect(output.contains(marker), "serial log was: \(output.suffix(400))")
    }
}
