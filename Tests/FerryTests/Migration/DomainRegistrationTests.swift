import Ceph
import Ferry
import Foundation
import MigrationTestSupport
import Libvirt
import TestSupport
import Testing
import VMwareConfig

/// Built domains against the real libvirtd: every variant is defined, read back and
/// started; secrets, placement and registration behave as documented.
@Suite("Migrated domains on the local libvirtd")
struct MigrationRegistrationTests {
    enum Variant: String, CaseIterable, Sendable {
        case biosVirtio, biosKeepBus, efi, efiSecureBoot, keepVMwareParavirtual

        func machine(name: String) -> VirtualMachine {
            var machine =
                switch self {
                case .biosVirtio: MigrationFixtures.biosMachine(name: name)
                case .biosKeepBus, .keepVMwareParavirtual: MigrationFixtures.mixedBusMachine(name: name)
                case .efi: MigrationFixtures.efiMachine(name: name, secureBoot: false)
                case .efiSecureBoot: MigrationFixtures.efiMachine(name: name, secureBoot: true)
                }
            // UUIDs must be unique on the node; the fixtures' fixed ones would clash between runs.
            machine.uuid = UUID().uuidString.lowercased()
            machine.memoryMiB = 128
            if machine.nics.isEmpty {
                machine.nics = [
                    NetworkInterface(index: 0, model: .vmxnet3, networkName: "VM Network", mac: "00:50:56:12:34:56")
                ]
            }
            return machine
        }

        func adjust(_ plan: inout DomainPlan) {
            switch self {
            case .biosKeepBus: plan.busPolicy = .keep
            case .keepVMwareParavirtual:
                plan.busPolicy = .keep
                plan.emulateVMwareParavirtual = true
            // This host's nested KVM has no System Management Mode, which OVMF's Secure Boot
            // build requires ("System Management Mode not supported by this hypervisor"), so
            // the Secure Boot guest runs under TCG here.
            case .efiSecureBoot: plan.domainType = .qemu
            case .biosVirtio, .efi: break
            }
        }
    }

    @Test(
        "each XML variant is defined, read back with its RBD disks intact, started and removed",
        .timeLimit(.minutes(3)), arguments: Variant.allCases)
    func defineAndStart(variant: Variant) throws {
        let live = try LiveMigrationSetup.connect()
        let name = TestEnvironment.uniqueName("ferry-mig-\(variant.rawValue)")
        let secret = LiveMigrationSetup.testSecret()
        var machine = variant.machine(name: name)
        var plan = live.plan(for: machine, name: name, secret: secret)
        variant.adjust(&plan)
        plan.networks = ["VM Network": .bridge("ferrytestbr0")]
        try live.createImages(plan)
        defer { live.removeImages(plan) }
        defer { live.removeSecret(secret) }
        _ = try CephSecretProvisioner(hypervisor: live.hypervisor).ensure(secret, key: live.key)

        // Defined as built, NICs included (libvirt checks a bridge only at start).
        let withNICs = try DomainBuilder(plan: plan).build(for: machine)
        defer { live.removeDomain(named: name) }
        let domain = try live.hypervisor.defineDomain(xml: withNICs.xml)
        #expect(try domain.uuid() == machine.uuid)
        let stored = try ParsedXML(try domain.xml(inactive: true))
        let disks = "/domain/devices/disk[@type='network'][@device='disk']"
        #expect(try stored.values("\(disks)/source[@protocol='rbd']/@name") == plan.disks.map(\.description))
        for index in plan.disks.indices {
            let hosts = try stored.attributes("\(disks)[\(index + 1)]/source/host").map {
                "\($0["name"] ?? ""):\($0["port"] ?? "")"
            }
            #expect(hosts == live.monitorHosts, "disk \(index)")
        }
        #expect(live.monitorHosts.count >= 2, "the local monitor listens on v2 and v1")
        #expect(
            try stored.values("\(disks)/auth/secret[@type='ceph']/@uuid")
                == Array(repeating: secret.uuid, count: plan.disks.count))
        #expect(try stored.values("\(disks)/auth/@username") == Array(repeating: live.user, count: plan.disks.count))
        #expect(try stored.values("/domain/devices/interface/source/@bridge") == ["ferrytestbr0"])
        #expect(!(try domain.xml(inactive: true)).contains(Data(live.key).base64EncodedString()))
        switch variant {
        case .efi:
            #expect(try stored.value("/domain/os/@firmware") == "efi")
            #expect(try stored.value("/domain/os/firmware/feature[@name='secure-boot']/@enabled") == "no")
        case .efiSecureBoot:
            #expect(try stored.value("/domain/os/firmware/feature[@name='secure-boot']/@enabled") == "yes")
            #expect(try stored.value("/domain/features/smm/@state") == "on")
        case .biosKeepBus:
            #expect(
                try stored.values("/domain/devices/controller[@type='scsi']/@model")
                    == ["lsilogic", "lsisas1068", "virtio-scsi", "lsilogic"])
            #expect(try stored.value("/domain/devices/disk[@device='cdrom']/target/@bus") == "ide")
            #expect(try stored.values("\(disks)/target/@bus").contains("sata"))
        case .keepVMwareParavirtual:
            #expect(try stored.values("/domain/devices/controller[@type='scsi']/@model").contains("vmpvscsi"))
        case .biosVirtio:
            #expect(try stored.values("\(disks)/target/@bus") == ["virtio", "virtio"])
        }

        // Started without NICs: this host has no bridge to plug them into.
        machine.nics = []
        let bootable = try DomainBuilder(plan: plan).build(for: machine)
        let redefined = try live.hypervisor.defineDomain(xml: bootable.xml)
        try redefined.start()
        #expect(try redefined.isActive())
        let running = try ParsedXML(try redefined.xml())
        if variant == .efi || variant == .efiSecureBoot {
            // Autoselection resolved a loader and gave the domain its own NVRAM.
            let loader = try #require(try running.value("/domain/os/loader"))
            #expect(loader.hasPrefix("/usr/share/OVMF/"))
            #expect(try running.value("/domain/os/nvram")?.contains(name) == true)
            #expect(try running.value("/domain/os/loader/@secure") == (variant == .efiSecureBoot ? "yes" : nil))
        }
        try redefined.destroy()
        try redefined.undefine()
        #expect(try live.hypervisor.domain(named: name) == nil)
    }

    @Test("provisioning a secret twice is idempotent; a usage held under another UUID is a conflict")
    func secretProvisioning() throws {
        let live = try LiveMigrationSetup.connect()
        let provisioner = CephSecretProvisioner(hypervisor: live.hypervisor)
        let secret = LiveMigrationSetup.testSecret()
        defer { live.removeSecret(secret) }

        let first = try provisioner.ensure(secret, key: live.key)
        #expect(first.created && first.identity == secret)
        let second = try provisioner.ensure(secret, key: live.key)
        #expect(!second.created && second.identity == secret)
        #expect(try live.hypervisor.secret(usage: .ceph(name: secret.usage))?.uuid == secret.uuid)

        // Same usage, different UUID: name both.
        let other = CephSecretIdentity(uuid: UUID().uuidString.lowercased(), usage: secret.usage)
        let conflict = #expect(throws: MigrationError.self) { try provisioner.ensure(other, key: live.key) }
        #expect(conflict?.code == .secretConflict)
        #expect(conflict?.message.contains(secret.uuid) == true && conflict?.message.contains(other.uuid) == true)

        // Same UUID, different usage: libvirt refuses, and the error carries its reason.
        let renamed = CephSecretIdentity(uuid: secret.uuid, usage: TestEnvironment.uniqueName("ferry-test-secret"))
        defer { live.removeSecret(renamed) }
        let clash = #expect(throws: MigrationError.self) { try provisioner.ensure(renamed, key: live.key) }
        #expect(clash?.code == .libvirt)
        #expect(clash?.description.contains(secret.usage) == true, "\(clash?.description ?? "")")

        #expect(throws: MigrationError.self) { try provisioner.ensure(secret, key: []) }
    }

    @Test("the cluster's own identity is stable across calls (fsid + user)")
    func clusterIdentity() throws {
        let live = try LiveMigrationSetup.connect()
        let fsid = try live.cluster.fsid()
        let identity = CephSecretIdentity(clusterFSID: fsid, user: live.user)
        #expect(identity == CephSecretIdentity(clusterFSID: try live.cluster.fsid(), user: live.user))
        #expect(identity.usage.contains(fsid))
    }

    @Test("placement over two node names on one libvirtd: automatic, named, unreachable, too small")
    func placement() throws {
        let uri = TestEnvironment.libvirtURI
        let inventory = try NodeInventory(nodes: [
            ClusterNode(name: "alpha", uri: uri),
            ClusterNode(name: "beta", uri: uri),
            ClusterNode(name: "gamma", uri: "qemu+unix:///system?socket=/nonexistent/ferry/libvirt-sock"),
        ])
        let placement = Placement(inventory: inventory)
        let automatic = try placement.choose(node: nil, memoryMiB: 64)
        #expect(["alpha", "beta"].contains(automatic.node.name))
        #expect(automatic.freeMemoryBytes > 0)
        #expect(automatic.availableMemoryBytes >= (64 << 20) + (1 << 30))
        #expect(try automatic.hypervisor.nodeInfo().cpus >= 1)
        #expect(automatic.notes.count == 2 && automatic.notes[0].contains("gamma"), "\(automatic.notes)")
        // Every node's free and promised memory, the unreachable one as such.
        #expect(
            automatic.notes.last?.contains("alpha: ") == true && automatic.notes.last?.contains(" MiB promised") == true
                && automatic.notes.last?.contains("gamma: unreachable") == true, "\(automatic.notes)")

        let named = try placement.choose(node: "beta", memoryMiB: 64)
        #expect(named.node.name == "beta" && named.notes.isEmpty)

        let unknown = #expect(throws: MigrationError.self) { try placement.choose(node: "delta", memoryMiB: 64) }
        #expect(unknown?.code == .unknownNode)

        let tooBig = #expect(throws: MigrationError.self) { try placement.choose(node: nil, memoryMiB: 1 << 30) }
        #expect(tooBig?.code == .noNodeFits)
        let message = tooBig?.message ?? ""
        #expect(
            message.contains("alpha: ") && message.contains("beta: ") && message.contains("gamma: unreachable"),
            "\(message)")
        // Naming a node that is too small only warns: the domain is defined, not started.
        let small = try placement.choose(node: "alpha", memoryMiB: 1 << 30)
        #expect(small.notes.first?.contains("less than") == true)
        let warning = small.notes.first ?? ""
        #expect(warning.contains(" MiB free, ") && warning.contains(" MiB promised"), "\(warning)")

        // The reserve counts: a node fits only with room to spare.
        let free = automatic.freeMemoryBytes
        let tight = Placement(inventory: inventory, reserveBytes: free)
        #expect(throws: MigrationError.self) { try tight.choose(node: nil, memoryMiB: 64) }
    }

    @Test(
        "the registrar refuses an existing name, replaces a stopped domain on request, and restores it when libvirt refuses the new one"
    )
    func registrar() throws {
        let live = try LiveMigrationSetup.connect()
        let name = TestEnvironment.uniqueName("ferry-mig-reg")
        let secret = LiveMigrationSetup.testSecret()
        var machine = Variant.biosVirtio.machine(name: name)
        machine.nics = []
        let plan = live.plan(for: machine, name: name, secret: secret)
        let definition = try DomainBuilder(plan: plan).build(for: machine)
        let registrar = DomainRegistrar(hypervisor: live.hypervisor)
        defer { live.removeSecret(secret) }
        defer { live.removeDomain(named: name) }

        let first = try registrar.register(definition, secret: secret, key: live.key)
        #expect(first.domainName == name && first.uuid == machine.uuid)
        #expect(first.secret.created && !first.replacedExisting && !first.started)
        #expect(try first.domain.isActive() == false)

        let exists = #expect(throws: MigrationError.self) {
            try registrar.register(definition, secret: secret, key: live.key)
        }
        #expect(exists?.code == .domainExists)

        // A re-run with a new UUID replaces the stopped domain.
        var rerun = machine
        rerun.uuid = UUID().uuidString.lowercased()
        let replacement = try DomainBuilder(plan: plan).build(for: rerun)
        let second = try registrar.register(replacement, secret: secret, key: live.key, options: .init(replace: true))
        #expect(second.replacedExisting && !second.secret.created)
        #expect(try live.hypervisor.domain(named: name)?.uuid() == rerun.uuid)

        // libvirt refuses the new XML: the replaced definition comes back.
        var broken = replacement
        broken.xml = broken.xml.replacingOccurrences(
            of: "<domain type='\(plan.domainType.rawValue)'>", with: "<domain type='nonsense'>")
        let refused = #expect(throws: MigrationError.self) {
            try registrar.register(broken, secret: secret, key: live.key, options: .init(replace: true))
        }
        #expect(refused?.code == .libvirt)
        #expect(refused?.message.contains("restored") == true, "\(refused?.description ?? "")")
        #expect(try live.hypervisor.domain(named: name)?.uuid() == rerun.uuid)

        // XML built for another secret is refused before anything changes.
        let wrongSecret = #expect(throws: MigrationError.self) {
            try registrar.register(
                definition, secret: LiveMigrationSetup.testSecret(), key: live.key, options: .init(replace: true))
        }
        #expect(wrongSecret?.code == .invalidPlan)
    }
}
