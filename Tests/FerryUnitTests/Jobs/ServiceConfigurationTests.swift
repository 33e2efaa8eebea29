import Ceph
import Ferry
import VSphere
import Testing
import TestSupport

@Suite("service configuration (YAML)")
struct ServiceConfigurationTests {
    @Test("an empty file means the defaults; given keys override them")
    func defaults() throws {
        let empty = try ServiceConfiguration(yaml: "", source: "empty.yaml")
        #expect(empty.queue.pool == "rbd")
        #expect(empty.queue.namespace == "ferry-queue")
        #expect(empty.workers.slots == 2)
        #expect(empty.server.listen == "127.0.0.1:8080")
        #expect(empty.nodes == nil)
        let configuration = try ServiceConfiguration(
            yaml: """
                cluster: {conf: /etc/ceph/ceph.conf, id: ferry, mount_timeout: 10}
                queue: {namespace: wave-queue}
                nodes:
                  - {name: kvm1, uri: "qemu:///system"}
                  - {name: kvm2, uri: "qemu+ssh://root@kvm2/system"}
                source_roots: [/mnt/datastores/]
                limits: {max_running: 8, per_node: 2, max_mib_per_second: 400}
                workers: {slots: 4}
                server: {listen: "127.0.0.1:9090", token_file: /etc/ferry/tokens}
                """, source: "ferry.yaml")
        #expect(configuration.queue.pool == "rbd")
        #expect(configuration.queue.namespace == "wave-queue")
        #expect(configuration.nodes?.map(\.name) == ["kvm1", "kvm2"])
        #expect(configuration.sourceRoots == ["/mnt/datastores"])
        #expect(configuration.limits.perNode == 2)
        #expect(configuration.workers.slots == 4)
        #expect(configuration.workers.leaseSeconds == 30)
        #expect(configuration.server.tokenFile == "/etc/ferry/tokens")
        let cluster = configuration.clusterConfiguration(fallback: .init(configFile: "/other.conf", userID: "admin"))
        #expect(cluster.configFile == "/etc/ceph/ceph.conf")
        #expect(cluster.userID == "ferry")
        #expect(cluster.options["client_mount_timeout"] == "10")
        #expect(cluster.options["rbd_cache"] == "false", "the importer's defaults stay")
    }

    @Test(
        "bad configurations are refused with the file and the field",
        arguments: [
            ("workers: {slots: 0}", "workers.slots must be 1…64"),
            ("quue: {pool: rbd}", "unknown section \"quue\""),
            ("nodes: [{name: a, uri: nope}]", "nodes: node \"a\" has URI \"nope\""),
            ("nodes: [{name: a}]", "missing \"uri\" at .nodes[0]"),
            ("networks: {LAN: br0}", "networks: \"LAN\" maps to \"br0\""),
            ("limits: {per_node: 0}", "limits.per_node must be at least 1"),
            ("source_roots: [relative/dir]", "source_roots must be absolute"),
            ("workers: {lease_seconds: 2}", "lease_seconds must be at least 6"),
        ])
    func bad(yaml: String, expected: String) {
        let error = #expect(throws: ConfigurationError.self) { try ServiceConfiguration(yaml: yaml, source: "ferry.yaml") }
        #expect(error?.description.hasPrefix("ferry.yaml: ") == true)
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
    }
}

@Suite("the documented examples parse")
struct ExampleFilesTests {
    @Test("config/ferry.example.yaml is a valid configuration and config/plan.example.yaml a valid plan")
    func examples() throws {
        let root = TestEnvironment.repositoryRoot
        let configuration = try ServiceConfiguration(contentsOf: "\(root)/config/ferry.example.yaml")
        #expect(configuration.nodes?.count == 2)
        #expect(configuration.limits.maxMiBPerSecond == 400)
        let plan = try MigrationPlan(contentsOf: "\(root)/config/plan.example.yaml")
        #expect(plan.vms.count == 4)
        let specs = try plan.jobSpecs(configuration: configuration)
        #expect(specs[1].spec.node == "kvm2")
        #expect(specs[0].spec.datastore == "datastore1")
        #expect(configuration.vsphere.map(\.name) == ["esx01", "vcenter"])
        #expect(configuration.limits.perSourceHost == 2)
        // The vSphere VM: read from esx01's host, shut down through VMware Tools first.
        #expect(specs[3].spec.sourceHost == "esx01.example.net")
        #expect(specs[3].spec.shutdown == .guest)
        #expect(specs[0].spec.sourceHost == nil)
    }
}
