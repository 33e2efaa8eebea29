import Ceph
import Ferry
import Foundation
import Libvirt
import TestSupport
import VMwareConfig

#if canImport(Glibc)
    import Glibc
#endif

/// The real cluster and libvirtd the migration integration tests run against. Missing
/// daemons make `connect()` throw, so the tests fail rather than skip.
struct LiveMigrationSetup {
    let cluster: RadosCluster
    let pool: IOContext
    let monitors: [Monitor]
    let user: String
    let key: [UInt8]
    let hypervisor: Hypervisor

    static func connect() throws -> LiveMigrationSetup {
        let cluster = try RadosCluster(
            configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
        let key = try Keyring(path: try cluster.keyringPath()).keyBytes(for: cluster.configuration.entityName)
        return LiveMigrationSetup(
            cluster: cluster, pool: try cluster.ioContext(pool: TestEnvironment.pool), monitors: try cluster.monitors(),
            user: cluster.configuration.userID, key: key, hypervisor: try Hypervisor(uri: TestEnvironment.libvirtURI))
    }

    /// KVM when this machine has it, TCG otherwise.
    static var domainType: DomainPlan.DomainType {
        let descriptor = open("/dev/kvm", O_RDWR)
        guard descriptor >= 0 else { return .qemu }
        close(descriptor)
        return .kvm
    }

    /// A secret identity of this test alone, so tests never touch a real Ferry secret.
    static func testSecret() -> CephSecretIdentity {
        CephSecretIdentity(uuid: UUID().uuidString.lowercased(), usage: TestEnvironment.uniqueName("ferry-test-secret"))
    }

    /// A plan over this cluster's monitors with one fresh image name per hard disk.
    func plan(for machine: VirtualMachine, name: String, secret: CephSecretIdentity) -> DomainPlan {
        let disks = machine.importableDisks.indices.map {
            RBDSpec(pool: TestEnvironment.pool, image: "\(name)-disk\($0)")
        }
        return DomainPlan(
            name: name, disks: disks, monitors: monitors, cephUser: user, secretUUID: secret.uuid,
            domainType: Self.domainType)
    }

    /// Creates an empty 4 MiB image for each disk of the plan.
    func createImages(_ plan: DomainPlan) throws {
        for disk in plan.disks { try pool.createImage(disk.image, size: 4 << 20) }
    }

    func removeImages(_ plan: DomainPlan) {
        for disk in plan.disks { try? pool.removeImage(disk.image) }
    }

    /// Every `host:port` the domain's disks should list.
    var monitorHosts: [String] {
        var seen: Set<String> = []
        return monitors.flatMap(\.addresses).map { "\($0.host):\($0.port)" }.filter { seen.insert($0).inserted }
    }

    /// Removes a domain whatever state it is in.
    func removeDomain(named name: String) {
        guard let domain = try? hypervisor.domain(named: name) else { return }
        if (try? domain.isActive()) == true { try? domain.destroy() }
        try? domain.undefine()
    }

    func removeSecret(_ identity: CephSecretIdentity) {
        try? hypervisor.secret(usage: .ceph(name: identity.usage))?.undefine()
    }
}
