import Ferry
import Foundation
import Libvirt
import Testing

@Suite("Node inventory and placement without libvirt")
struct MigrationNodeInventoryTests {
    func inventory(_ json: String) throws(MigrationError) -> NodeInventory {
        try NodeInventory(json: Data(json.utf8), source: "nodes.json")
    }

    @Test("the JSON format loads, keeps order and ignores unknown keys")
    func loads() throws {
        let nodes = try inventory(
            #"""
            {"comment": "lab", "nodes": [
              {"name": "kvm1", "uri": "qemu:///system"},
              {"name": "kvm2", "uri": "qemu+ssh://root@kvm2.example.net/system", "rack": "B4"},
              {"name": "kvm3", "uri": "qemu+tcp://kvm3/system"}
            ]}
            """#)
        #expect(nodes.nodes.map(\.name) == ["kvm1", "kvm2", "kvm3"])
        #expect(try nodes.node(named: "kvm2").uri == "qemu+ssh://root@kvm2.example.net/system")
        let unknown = #expect(throws: MigrationError.self) { try nodes.node(named: "kvm9") }
        #expect(unknown?.code == .unknownNode)
        #expect(unknown?.message.contains("kvm1, kvm2, kvm3") == true)
    }

    @Test("a file on disk loads; a missing one names its path")
    func file() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-nodes-\(UUID()).json").path
        try Data(#"{"nodes":[{"name":"kvm1","uri":"qemu:///system"}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try NodeInventory(contentsOf: path).nodes == [ClusterNode(name: "kvm1", uri: "qemu:///system")])
        let missing = #expect(throws: MigrationError.self) { try NodeInventory(contentsOf: path + ".absent") }
        #expect(missing?.code == .invalidInventory)
        #expect(missing?.message.contains(path + ".absent") == true)
    }

    @Test(arguments: [
        (#"{"nodes": []}"#, "lists no nodes"),
        (
            #"{"nodes": [{"name": "a", "uri": "qemu:///system"}, {"name": "a", "uri": "qemu:///system"}]}"#,
            "listed twice"
        ),
        (#"{"nodes": [{"name": " ", "uri": "qemu:///system"}]}"#, "empty name"),
        (#"{"nodes": [{"name": "a", "uri": "kvm1"}]}"#, "not a libvirt URI"),
        (#"{"nodes": [{"name": "a"}]}"#, #"missing "uri" at .nodes[0]"#),
        (#"{"nodes": {"name": "a"}}"#, "wrong type at .nodes"),
        ("nodes:\n  - kvm1", "not JSON"),
    ])
    func rejects(json: String, expected: String) {
        let error = #expect(throws: MigrationError.self) { try inventory(json) }
        #expect(error?.code == .invalidInventory)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.message.hasPrefix("nodes.json") == true)
    }

    @Test("automatic placement with every node unreachable lists them all")
    func allUnreachable() throws {
        let nodes = try inventory(
            #"{"nodes":[{"name":"kvm1","uri":"qemu+ssh://a/system"},{"name":"kvm2","uri":"qemu+ssh://b/system"}]}"#)
        let placement = Placement(inventory: nodes) { node in
            throw LibvirtError(
                code: .connectionFailed, operation: "connect", uri: node.uri, message: "no route to host")
        }
        let error = #expect(throws: MigrationError.self) { try placement.choose(node: nil, memoryMiB: 1024) }
        #expect(error?.code == .noNodeFits)
        #expect(error?.message.contains("kvm1: unreachable, kvm2: unreachable") == true, "\(error?.message ?? "")")
        let named = #expect(throws: MigrationError.self) { try placement.choose(node: "kvm2", memoryMiB: 1024) }
        #expect(named?.code == .libvirt)
        #expect(named?.description.contains("no route to host") == true)
    }
}
