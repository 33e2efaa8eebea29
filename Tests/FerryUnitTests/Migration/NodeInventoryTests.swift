import Ferry
import Foundation
import Libvirt
import TestSupport
import Testing
import Yams

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
        ("nodes:\n  - kvm1", "not valid JSON"),
    ])
    func rejects(json: String, expected: String) {
        let error = #expect(throws: MigrationError.self) { try inventory(json) }
        #expect(error?.code == .invalidInventory)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.message.hasPrefix("nodes.json") == true)
    }

    func inventory(yaml: String, source: String = "nodes.yaml") throws(MigrationError) -> NodeInventory {
        try NodeInventory(yaml: Data(yaml.utf8), source: source)
    }

    @Test("the YAML format loads, keeps order and ignores comments and unknown keys")
    func loadsYAML() throws {
        let nodes = try inventory(
            yaml: """
                # lab nodes
                comment: rack B
                nodes:
                  - name: kvm1
                    uri: qemu:///system
                  - {name: kvm2, uri: "qemu+ssh://root@kvm2.example.net/system", rack: B4}
                  - name: kvm3
                    uri: qemu+tcp://kvm3/system   # no TLS in the lab
                """)
        #expect(
            nodes.nodes == [
                ClusterNode(name: "kvm1", uri: "qemu:///system"),
                ClusterNode(name: "kvm2", uri: "qemu+ssh://root@kvm2.example.net/system"),
                ClusterNode(name: "kvm3", uri: "qemu+tcp://kvm3/system"),
            ])
    }

    @Test(arguments: [
        ("nodes: []", "the node inventory lists no nodes (.nodes is empty)"),
        ("nodes:", "wrong type at .nodes (expected a list)"),
        ("nodes: {name: a, uri: 'qemu:///system'}", "wrong type at .nodes (expected a list)"),
        ("nodes:\n  - kvm1", "wrong type at .nodes[0] (expected a mapping)"),
        ("nodes:\n  - name: a\n    uri: qemu:///system\n  - name: b", #"missing "uri" at .nodes[1]"#),
        ("nodes:\n  - uri: qemu:///system", #"missing "name" at .nodes[0]"#),
        ("nodes:\n  - name: a\n    uri: [qemu:///system]", "wrong type at .nodes[0].uri (expected a single value)"),
        (
            "nodes:\n  - {name: a, uri: 'qemu:///system'}\n  - {name: a, uri: 'qemu+tcp://b/system'}",
            #"node "a" is listed twice (.nodes[0] and .nodes[1])"#
        ),
        ("nodes:\n  - {name: ' ', uri: 'qemu:///system'}", "empty name at .nodes[0]"),
        ("nodes:\n  - {name: a, uri: kvm1}", #"node "a" at .nodes[0] has URI "kvm1", which is not a libvirt URI"#),
        ("hosts:\n  - {name: a, uri: 'qemu:///system'}", #"missing "nodes" at the top level"#),
        ("- {name: a, uri: 'qemu:///system'}", "expected a mapping"),
        ("", "expected a mapping"),
        (
            "nodes: [{name: a, uri: 'qemu:///system'}",
            "not YAML: while parsing a flow sequence, did not find expected ',' or ']' at line 2, column 1"
        ),
        (
            "nodes:\n\t- name: a",
            "not YAML: while scanning for the next token, found character that cannot start any token at line 2"
        ),
        (
            "nodes: []\n---\nnodes: []",
            "not YAML: expected a single document in the stream, but found another document at line 2"
        ),
        ("nodes: []\nnodes: []", "not YAML: duplicate key nodes at line"),
    ])
    func rejectsYAML(yaml: String, expected: String) {
        let error = #expect(throws: MigrationError.self) { try inventory(yaml: yaml) }
        #expect(error?.code == .invalidInventory)
        #expect(error?.message.hasPrefix("nodes.yaml: ") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("\n") == false, "one line: \(error?.message ?? "")")
    }

    @Test("a list already parsed from a larger YAML file shares the parser, with paths from that file's top")
    func embeddedYAML() throws {
        let config = try #require(
            try Yams.compose(
                yaml: """
                    service:
                      listen: 0.0.0.0:8080
                    cluster:
                      nodes:
                        - {name: kvm1, uri: 'qemu:///system'}
                      spare:
                        - {name: kvm1, uri: 'qemu:///system'}
                        - {name: kvm2}
                    """))
        let nodes = try #require(config["cluster"]?["nodes"])
        let one = try NodeInventory(yamlNode: nodes, source: "ferry.yaml", at: ["cluster", "nodes"])
        #expect(one.nodes == [ClusterNode(name: "kvm1", uri: "qemu:///system")])

        let spare = try #require(config["cluster"]?["spare"])
        let error = #expect(throws: MigrationError.self) {
            try NodeInventory(yamlNode: spare, source: "ferry.yaml", at: ["cluster", "spare"])
        }
        #expect(error?.code == .invalidInventory)
        #expect(error?.message == #"ferry.yaml: missing "uri" at .cluster.spare[1]"#, "\(error?.message ?? "")")
        let top = #expect(throws: MigrationError.self) { try NodeInventory(yamlNode: spare, source: "ferry.yaml") }
        #expect(top?.message == #"ferry.yaml: missing "uri" at .nodes[1]"#, "\(top?.message ?? "")")
    }

    @Test("the file name chooses the format: .yaml/.yml YAML, .json JSON, anything else whichever parses")
    func formatByExtension() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let yaml = "nodes:\n  - name: kvm1\n    uri: qemu:///system\n"
        let json = #"{"nodes": [{"name": "kvm1", "uri": "qemu:///system"}]}"#
        let expected = [ClusterNode(name: "kvm1", uri: "qemu:///system")]
        func write(_ text: String, _ name: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        for (text, name) in [(yaml, "nodes.yaml"), (yaml, "nodes.YML"), (json, "nodes.json"), (json, "nodes.yaml"),
                             (json, "nodes"), (yaml, "nodes.conf")] {
            #expect(try NodeInventory(contentsOf: try write(text, name)).nodes == expected, "\(name)")
        }
        // A .json file is JSON only, and errors name the file and the field.
        let notJSON = try write(yaml, "yaml-inside.json")
        let refused = #expect(throws: MigrationError.self) { try NodeInventory(contentsOf: notJSON) }
        #expect(refused?.message.hasPrefix("\(notJSON): ") == true && refused?.message.contains("JSON") == true)
        let broken = try write("nodes:\n  - name: kvm1\n  - name: kvm2\n    uri: qemu:///system\n", "broken.yml")
        let missing = #expect(throws: MigrationError.self) { try NodeInventory(contentsOf: broken) }
        #expect(missing?.message == #"\#(broken): missing "uri" at .nodes[0]"#)
        let guessed = try write(#"{"nodes": [{"name": "kvm1"}]}"#, "nodes.txt")
        let guessedError = #expect(throws: MigrationError.self) { try NodeInventory(contentsOf: guessed) }
        #expect(guessedError?.message == #"\#(guessed): missing "uri" at .nodes[0]"#)
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
        #expect(error?.message.contains("kvm1: unreachable; kvm2: unreachable") == true, "\(error?.message ?? "")")
        let named = #expect(throws: MigrationError.self) { try placement.choose(node: "kvm2", memoryMiB: 1024) }
        #expect(named?.code == .libvirt)
        #expect(named?.description.contains("no route to host") == true)
    }
}
