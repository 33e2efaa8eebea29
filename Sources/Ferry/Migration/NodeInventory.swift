import Foundation

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

/// The cluster's KVM nodes, loaded from a small JSON file:
///
/// ```json
/// {
///   "nodes": [
///     {"name": "kvm1", "uri": "qemu:///system"},
///     {"name": "kvm2", "uri": "qemu+ssh://root@kvm2.example.net/system"}
///   ]
/// }
/// ```
///
/// Names must be unique and non-empty; URIs must have a scheme (`qemu:`, `qemu+ssh:`, …).
/// Unknown keys are ignored, so the file can carry notes for humans. JSON rather than YAML
/// keeps Ferry free of a YAML dependency; the format is small enough that nothing is lost.
public struct NodeInventory: Sendable, Hashable {
    public private(set) var nodes: [ClusterNode]

    /// - Throws: `MigrationError` `.invalidInventory` for an empty list, a blank or repeated
    ///   name, or a URI without a scheme.
    public init(nodes: [ClusterNode]) throws(MigrationError) {
        guard !nodes.isEmpty else {
            throw MigrationError(code: .invalidInventory, message: "the node inventory lists no nodes")
        }
        var seen: Set<String> = []
        for node in nodes {
            guard !node.name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw MigrationError(code: .invalidInventory, message: "a node in the inventory has an empty name")
            }
            guard seen.insert(node.name).inserted else {
                throw MigrationError(code: .invalidInventory, message: "node \"\(node.name)\" is listed twice")
            }
            guard let colon = node.uri.firstIndex(of: ":"), colon != node.uri.startIndex else {
                throw MigrationError(
                    code: .invalidInventory,
                    message: "node \"\(node.name)\" has URI \"\(node.uri)\", which is not a libvirt URI "
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
            throw MigrationError(
                code: .invalidInventory, message: "\(source) is not a valid node inventory: \(Self.describe(error))")
        }
        do {
            try self.init(nodes: file.nodes)
        } catch {
            throw MigrationError(code: error.code, message: "\(source): \(error.message)")
        }
    }

    /// Reads and parses an inventory file.
    public init(contentsOf path: String) throws(MigrationError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MigrationError(code: .invalidInventory, message: "cannot read node inventory \(path)", cause: error)
        }
        try self.init(json: data, source: path)
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

    /// JSONDecoder's errors print as nested enums; say where the problem is instead.
    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing \"\(key.stringValue)\" at \(path(context))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "wrong type at \(path(context))"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \(path(context))"
        default:
            return String(describing: error)
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let parts = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }
        return parts.isEmpty ? "the top level" : parts.joined()
    }
}
