import FerryBasics
import Foundation
import Yams

/// One KVM node of the cluster: a name people use (`--node kvm1`) and how libvirt reaches it.
public struct ClusterNode: Sendable, Hashable, Codable {
    public var name: String
    /// A libvirt URI: `qemu:///system` for this host, `qemu+ssh://root@kvm2/system`,
    /// `qemu+tcp://kvm3/system`, ….
    public var uri: String

    public init(name: String, uri: String) {
        self.name = name
        self.uri = uri
    }
}

/// The cluster's KVM nodes, loaded from a small YAML file (`.yaml`, `.yml`):
///
/// ```yaml
/// nodes:
///   - name: kvm1
///     uri: qemu:///system
///   - name: kvm2
///     uri: qemu+ssh://root@kvm2.example.net/system
/// ```
///
/// or the same in JSON (for a file named `.json`, or any other name whose text is JSON):
///
/// ```json
/// {"nodes": [{"name": "kvm1", "uri": "qemu:///system"}, {"name": "kvm2", "uri": "qemu+tcp://kvm2/system"}]}
/// ```
///
/// Names must be unique and non-empty; URIs must have a scheme (`qemu:`, `qemu+ssh:`, …).
/// Unknown keys are ignored, so the file can carry notes for humans. Every error is one
/// line naming the file and where in it the problem is: `nodes.yaml: missing "uri" at .nodes[1]`.
public struct NodeInventory: Sendable, Hashable {
    public private(set) var nodes: [ClusterNode]

    /// - Throws: `MigrationError` `.invalidInventory` for an empty list, a blank or repeated
    ///   name, or a URI without a scheme.
    public init(nodes: [ClusterNode]) throws(MigrationError) {
        try self.init(validating: nodes, at: nil)
    }

    /// - Parameter path: where the list sits in its file (`.nodes`), for error messages.
    private init(validating nodes: [ClusterNode], at path: String?) throws(MigrationError) {
        func invalid(_ message: String) -> MigrationError { MigrationError(code: .invalidInventory, message: message) }
        guard !nodes.isEmpty else {
            throw invalid("the node inventory lists no nodes" + (path.map { " (\($0) is empty)" } ?? ""))
        }
        var seen: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            let location = path.map { " at \($0)[\(index)]" } ?? ""
            guard !node.name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw invalid("a node in the inventory has an empty name\(location)")
            }
            if let first = seen.updateValue(index, forKey: node.name) {
                let places = path.map { " (\($0)[\(first)] and \($0)[\(index)])" } ?? ""
                throw invalid("node \"\(node.name)\" is listed twice\(places)")
            }
            guard let colon = node.uri.firstIndex(of: ":"), colon != node.uri.startIndex else {
                throw invalid(
                    "node \"\(node.name)\"\(location) has URI \"\(node.uri)\", which is not a libvirt URI "
                        + "(e.g. qemu:///system, qemu+ssh://root@host/system)")
            }
        }
        self.nodes = nodes
    }

    /// Parses the JSON form shown above.
    /// - Parameter source: where the data came from, for error messages.
    public init(json data: Data, source: String = "node inventory") throws(MigrationError) {
        struct File: Decodable {
            var nodes: [ClusterNode]
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw Self.invalid(source, DecodingErrorText.describe(error))
        }
        try self.init(validating: file.nodes, source: source, at: ".nodes")
    }

    /// Parses the YAML form shown above: a mapping whose `nodes` key holds the list.
    /// - Parameter source: where the data came from, for error messages.
    public init(yaml data: Data, source: String = "node inventory") throws(MigrationError) {
        guard let text = String(data: data, encoding: .utf8) else { throw Self.invalid(source, "not UTF-8 text") }
        let document: Node?
        do {
            document = try Yams.compose(yaml: text)
        } catch {
            throw Self.invalid(source, "not YAML: \(DecodingErrorText.describe(error))")
        }
        guard let document, let mapping = document.mapping else {
            throw Self.invalid(source, "expected a mapping with a \"nodes\" list at the top level")
        }
        guard let list = mapping["nodes"] else { throw Self.invalid(source, "missing \"nodes\" at the top level") }
        try self.init(yamlNode: list, source: source)
    }

    /// Parses an already-parsed YAML list of `{name, uri}` mappings, e.g. the `nodes:`
    /// section of a larger configuration file, which then shares this parser and its errors.
    /// - Parameters:
    ///   - source: the file it came from, for error messages.
    ///   - keys: where the list sits in that file (`["nodes"]`, `["cluster", "nodes"]`), so
    ///     that errors name the place in the whole file.
    public init(yamlNode: Node, source: String = "node inventory", at keys: [String] = ["nodes"])
        throws(MigrationError)
    {
        let nodes: [ClusterNode]
        do {
            nodes = try YAMLDecoder().decode([ClusterNode].self, from: yamlNode)
        } catch {
            throw Self.invalid(source, DecodingErrorText.describe(Self.rooted(error, at: keys)))
        }
        try self.init(validating: nodes, source: source, at: keys.map { ".\($0)" }.joined())
    }

    private init(validating nodes: [ClusterNode], source: String, at path: String) throws(MigrationError) {
        do {
            try self.init(validating: nodes, at: path)
        } catch {
            throw Self.invalid(source, error.message)
        }
    }

    /// Reads and parses an inventory file: YAML for `.yaml`/`.yml`, JSON for `.json`, and
    /// for any other name JSON if the text is JSON, YAML otherwise.
    public init(contentsOf path: String) throws(MigrationError) {
        let data: Data
        do throws(WholeFile.Failure) {
            data = Data(try WholeFile.read(path))
        } catch {
            // The errno's words ("No such file or directory (ENOENT)"), not Foundation's.
            throw MigrationError(code: .invalidInventory, message: "cannot read node inventory \(path)", cause: error)
        }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "yaml", "yml":
            try self.init(yaml: data, source: path)
        case "json":
            try self.init(json: data, source: path)
        default:
            if (try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)) != nil {
                try self.init(json: data, source: path)
            } else {
                try self.init(yaml: data, source: path)
            }
        }
    }

    /// This host's libvirt, as every libvirt client finds it: `$LIBVIRT_DEFAULT_URI`, else
    /// `qemu:///system`.
    public static var localURI: String {
        ProcessInfo.processInfo.environment["LIBVIRT_DEFAULT_URI"].flatMap { $0.isEmpty ? nil : $0 } ?? "qemu:///system"
    }

    /// The inventory used when none is given: this host's libvirt as the one node, "local".
    public static func thisHost() throws(MigrationError) -> NodeInventory {
        try NodeInventory(nodes: [ClusterNode(name: "local", uri: localURI)])
    }

    /// The node called `name`.
    /// - Throws: `MigrationError` `.unknownNode` listing the known names.
    public func node(named name: String) throws(MigrationError) -> ClusterNode {
        guard let node = nodes.first(where: { $0.name == name }) else {
            throw MigrationError(
                code: .unknownNode,
                message: "no node \"\(name)\" in the inventory (known: \(nodes.map(\.name).joined(separator: ", ")))")
        }
        return node
    }

    private static func invalid(_ source: String, _ problem: String) -> MigrationError {
        MigrationError(code: .invalidInventory, message: "\(source): \(problem)")
    }

    /// A decoding error of a section as if the whole file had been decoded, so that its
    /// path starts at the top (`.nodes[1]`, not `[1]`).
    private static func rooted(_ error: any Error, at keys: [String]) -> any Error {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        func moved(_ context: DecodingError.Context) -> DecodingError.Context {
            DecodingError.Context(
                codingPath: keys.map(Key.init(stringValue:)) + context.codingPath,
                debugDescription: context.debugDescription, underlyingError: context.underlyingError)
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return DecodingError.keyNotFound(key, moved(context))
        case .typeMismatch(let type, let context)?: return DecodingError.typeMismatch(type, moved(context))
        case .valueNotFound(let type, let context)?: return DecodingError.valueNotFound(type, moved(context))
        case .dataCorrupted(let context)?: return DecodingError.dataCorrupted(moved(context))
        default: return error
        }
    }
}
