import Ferry
import Foundation
import Testing

@Suite("migration plans (YAML)")
struct MigrationPlanTests {
    let configuration = ServiceConfiguration()

    @Test("defaults apply to every VM, entries override them, networks merge key by key")
    func defaultsAndOverrides() throws {
        let plan = try MigrationPlan(
            yaml: """
                name: wave-7
                defaults:
                  pool: fast/tenant-a
                  networks: {"VM Network": "bridge:br0", "DMZ": "bridge:br-dmz"}
                  start: true
                  priority: 10
                vms:
                  - source: web/web.vmx
                  - source: /exports/db.ova
                    name: db01
                    pool: slow
                    node: kvm2
                    networks: {"DMZ": "ovs:ovsbr0"}
                    keep_bus: true
                    start: false
                    priority: 90
                    domain_type: qemu
                    max_attempts: 5
                """, source: "/plans/wave.yaml")
        #expect(plan.name == "wave-7")
        let specs = try plan.jobSpecs(configuration: configuration)
        #expect(specs.count == 2)
        let web = specs[0].spec
        #expect(web.source == "/plans/web/web.vmx", "relative to the plan's folder")
        #expect(web.pool == "fast")
        #expect(web.namespace == "tenant-a")
        #expect(web.networks == ["VM Network": "bridge:br0", "DMZ": "bridge:br-dmz"])
        #expect(web.start)
        #expect(web.priority == 10)
        #expect(web.node == nil)
        #expect(specs[0].maxAttempts == 3)
        let db = specs[1].spec
        #expect(db.name == "db01")
        #expect(db.pool == "slow")
        #expect(db.namespace == nil)
        #expect(db.node == "kvm2")
        #expect(db.networks == ["VM Network": "bridge:br0", "DMZ": "ovs:ovsbr0"])
        #expect(db.keepBus)
        #expect(!db.start)
        #expect(db.priority == 90)
        #expect(db.domainType == "qemu")
        #expect(specs[1].maxAttempts == 5)
        #expect(db.datastore == "/exports", "an OVA's datastore is its folder")
        #expect(web.datastore == "/plans", "a VMX's datastore is the folder above the VM's")
    }

    @Test("the plan name defaults to the file name; the configuration's networks sit under the plan's")
    func namesAndConfigurationNetworks() throws {
        var configuration = ServiceConfiguration()
        configuration.networks = ["VM Network": "bridge:site", "Backup": "network:backup"]
        configuration.datastores = ["ds1": "/mnt/ds1"]
        let plan = try MigrationPlan(
            yaml: "defaults: {pool: rbd, networks: {\"VM Network\": \"bridge:plan\"}}\nvms: [{source: /mnt/ds1/vm/vm.vmx}]",
            source: "/srv/plans/monday.yml")
        #expect(plan.name == "monday")
        let spec = try #require(try plan.jobSpecs(configuration: configuration).first).spec
        #expect(spec.networks == ["VM Network": "bridge:plan", "Backup": "network:backup"])
        #expect(spec.datastore == "ds1")
    }

    @Test(
        "bad plans are refused with the file and the field",
        arguments: [
            ("vms: []", "the plan lists no VMs"),
            ("defaults: {pool: rbd}\nvms: [{name: x}]", "missing \"source\" at .vms[0]"),
            ("vms: [{source: a.vmx}]", "vms[0] (a.vmx): no pool"),
            ("defaults: {pool: a/b/c}\nvms: [{source: a.vmx}]", "pool \"a/b/c\" is not POOL or POOL/NAMESPACE"),
            ("defaults: {pool: rbd, keepbus: true}\nvms: [{source: a.vmx}]", "unknown key \"keepbus\""),
            ("defaults: {pool: rbd}\nvms: [{source: a.vmx, strat: true}]", "unknown key \"strat\""),
            ("defaults: {pool: rbd}\nvms: [{source: a.vmx, networks: {LAN: br0}}]", "network \"LAN\" maps to \"br0\""),
            ("defaults: {pool: rbd, domain_type: xen}\nvms: [{source: a.vmx}]", "domain_type \"xen\" is not kvm or qemu"),
            ("defaults: {pool: rbd, priority: high}\nvms: [{source: a.vmx}]", "wrong type at .defaults.priority"),
            ("defaults: {pool: rbd}\nvms: [{source: a.vmx, max_attempts: 0}]", "max_attempts must be 1…20"),
            ("vms: [{source: a.vmx, pool: rbd}\n", "/p/plan.yaml: "),
            ("pool: rbd\nvms: [{source: a.vmx}]", "unknown key \"pool\""),
            ("defaults: {pool: rbd, object_size: 3000000}\nvms: [{source: a.vmx}]", "object_size must be a power of two"),
            ("defaults: {pool: rbd}\nvms: [{source: a.vmx, object_size: 67108864}]", "object_size must be a power of two"),
            ("defaults: {pool: rbd, data_pool: \"a/b\"}\nvms: [{source: a.vmx}]", "data_pool \"a/b\" is not a pool name"),
        ])
    func badPlans(yaml: String, expected: String) {
        let error = #expect(throws: PlanError.self) { try MigrationPlan(yaml: yaml, source: "/p/plan.yaml") }
        #expect(error?.description.hasPrefix("/p/plan.yaml: ") == true)
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("\n") == false)
    }

    @Test("object_size and data_pool reach the job spec; an entry overrides the defaults")
    func objectSizeAndDataPool() throws {
        let plan = try MigrationPlan(
            yaml: """
                defaults: {pool: rbd, object_size: 8388608, data_pool: rbd-ec}
                vms:
                  - source: /v/a.vmx
                  - source: /v/b.vmx
                    object_size: 1048576
                """, source: "/p/plan.yaml")
        let specs = try plan.jobSpecs(configuration: configuration).map(\.spec)
        #expect(specs.map(\.objectSize) == [8 << 20, 1 << 20])
        #expect(specs.map(\.dataPool) == ["rbd-ec", "rbd-ec"])
    }

    @Test("sources outside the configured roots are refused, also through a symlink")
    func sourceRoots() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-roots-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("vms"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("vms/escape").path, withDestinationPath: "/etc")
        var configuration = ServiceConfiguration()
        configuration.sourceRoots = [root.appendingPathComponent("vms").path]
        let inside = try MigrationPlan(yaml: "defaults: {pool: rbd}\nvms: [{source: \(root.path)/vms/a/a.vmx}]", source: "api")
        #expect(try inside.jobSpecs(configuration: configuration).count == 1)
        for outside in ["/etc/passwd", "\(root.path)/vms/../secret.vmx", "\(root.path)/vms/escape/shadow", "\(root.path)/vmsx/a.vmx"] {
            let plan = try MigrationPlan(yaml: "defaults: {pool: rbd}\nvms: [{source: \"\(outside)\"}]", source: "api")
            let error = #expect(throws: PlanError.self) { try plan.jobSpecs(configuration: configuration) }
            #expect(error?.message.contains("outside the configured source roots") == true, "\(outside)")
        }
        let relative = try MigrationPlan(yaml: "defaults: {pool: rbd}\nvms: [{source: a/a.vmx}]", source: "plan from API")
        let error = #expect(throws: PlanError.self) { try relative.jobSpecs(configuration: configuration) }
        #expect(error?.message.contains("relative and the plan has no base folder") == true)
    }
}
