import Ceph
import Foundation
import Libvirt
import Testing
import TestSupport

@Suite("libvirt bindings against the local libvirtd")
struct LibvirtTests {
    @Test("node info reports memory and CPUs")
    func nodeInfo() throws {
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)
        let info = try hypervisor.nodeInfo()
        #expect(info.memoryBytes > 0)
        #expect(info.freeMemoryBytes > 0 && info.freeMemoryBytes <= info.memoryBytes)
        #expect(info.cpus >= 1)
        #expect(try !hypervisor.hostname().isEmpty)
    }

    @Test("an unreachable libvirtd is a connectionFailed error naming the URI")
    func unreachable() {
        let uri = "qemu+unix:///system?socket=/nonexistent/ferry/libvirt-sock"
        let error = #expect(throws: LibvirtError.self) { try Hypervisor(uri: uri) }
        #expect(error?.code == .connectionFailed)
        #expect(error?.description.contains(uri) == true)
    }

    @Test("invalid domain XML is refused with invalidXML")
    func invalidXML() throws {
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)
        let error = #expect(throws: LibvirtError.self) { try hypervisor.defineDomain(xml: "<domain type='qemu'>") }
        #expect(error?.code == .invalidXML)
        #expect(try hypervisor.domain(named: TestEnvironment.uniqueName("absent")) == nil)
    }

    @Test("a ceph secret and an RBD network-disk domain are defined, read back and removed")
    func defineSecretAndDomain() throws {
        let cluster = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
        let key = try Keyring(path: try cluster.keyringPath()).keyBytes(for: cluster.configuration.entityName)
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)

        let usage = TestEnvironment.uniqueName("ferry-test-secret")
        let uuid = UUID().uuidString.lowercased()
        let secret = try hypervisor.defineSecret(xml: LibvirtFixtures.cephSecretXML(uuid: uuid, usage: usage))
        defer { try? secret.undefine() }
        #expect(secret.uuid == uuid)
        try secret.setValue(key)
        #expect(try hypervisor.secret(usage: .ceph(name: usage))?.uuid == uuid)

        let name = TestEnvironment.uniqueName("ferry-test-domain")
        let xml = LibvirtFixtures.rbdDomainXML(
            name: name, pool: TestEnvironment.pool, image: "never-started", monitors: try cluster.monitors(),
            user: cluster.configuration.userID, secretUUID: uuid, serialLog: "/dev/null")
        let domain = try hypervisor.defineDomain(xml: xml)
        defer { try? domain.undefine() }
        #expect(domain.name == name)
        #expect(try domain.isActive() == false)
        #expect(try domain.maxMemoryBytes() == 64 << 20)
        #expect(try hypervisor.allDomains().contains { $0.name == name })
        #expect(try hypervisor.allDomains(.inactive).contains { $0.name == name })
        #expect(try !hypervisor.allDomains(.active).contains { $0.name == name })

        let stored = try #require(try hypervisor.domain(named: name)).xml(inactive: true)
        #expect(stored.contains("protocol='rbd' name='\(TestEnvironment.pool)/never-started'"))
        #expect(stored.contains("<secret type='ceph' uuid='\(uuid)'/>"))
        #expect(!stored.contains(Data(key).base64EncodedString()))

        try domain.undefine()
        #expect(try hypervisor.domain(named: name) == nil)
        // A domain listed, then undefined by someone else: its calls say notFound.
        let gone = #expect(throws: LibvirtError.self) { try domain.maxMemoryBytes() }
        #expect(gone?.code == .notFound, "\(gone?.description ?? "")")
        try secret.undefine()
        #expect(try hypervisor.secret(usage: .ceph(name: usage)) == nil)
    }
}
