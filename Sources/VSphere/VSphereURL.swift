import Foundation

/// What a `vsphere://` source names: a VM (`vsphere://ENDPOINT/DATACENTER/VM`) or one disk
/// file on a datastore (`vsphere://ENDPOINT/DATACENTER/[DATASTORE] folder/file.vmdk`).
/// ENDPOINT is a configured endpoint's name (or its host); names with `/` are percent-encoded.
public enum VSphereURL: Sendable, Hashable, CustomStringConvertible {
    case vm(endpoint: String, datacenter: String, name: String)
    case file(endpoint: String, datacenter: String, path: DatastorePath)

    public static let scheme = "vsphere://"

    /// Whether `text` is a vsphere:// source at all (and so must parse, or be refused).
    public static func names(_ text: String) -> Bool { text.lowercased().hasPrefix(scheme) }

    /// - Throws: `VSphereError.invalidEndpoint` saying what the URL lacks.
    public static func parse(_ text: String) throws(VSphereError) -> VSphereURL {
        guard names(text) else { throw VSphereError(.invalidEndpoint, "\(text) is not a vsphere:// source") }
        let rest = text.dropFirst(scheme.count)
        let parts = rest.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
            throw VSphereError(.invalidEndpoint, "\(text): a vSphere source is vsphere://ENDPOINT/DATACENTER/VM (or /[DATASTORE] path/disk.vmdk)")
        }
        let endpoint = parts[0]
        let datacenter = parts[1].removingPercentEncoding ?? parts[1]
        if parts[2].hasPrefix("[") {
            guard let path = DatastorePath(parts[2]), !path.path.isEmpty else {
                throw VSphereError(.invalidEndpoint, "\(text): \(parts[2]) is not a datastore path ([DATASTORE] folder/file.vmdk)")
            }
            return .file(endpoint: endpoint, datacenter: datacenter, path: path)
        }
        let name = parts[2].removingPercentEncoding ?? parts[2]
        return .vm(endpoint: endpoint, datacenter: datacenter, name: name)
    }

    public var endpoint: String {
        switch self {
        case .vm(let endpoint, _, _), .file(let endpoint, _, _): endpoint
        }
    }

    public var datacenter: String {
        switch self {
        case .vm(_, let datacenter, _), .file(_, let datacenter, _): datacenter
        }
    }

    public var description: String {
        let dc = Self.encoded(datacenter)
        switch self {
        case .vm(let endpoint, _, let name): return "\(Self.scheme)\(endpoint)/\(dc)/\(Self.encoded(name))"
        case .file(let endpoint, _, let path): return "\(Self.scheme)\(endpoint)/\(dc)/\(path)"
        }
    }

    /// `/` and `%` encoded, so the three parts split back apart.
    private static func encoded(_ name: String) -> String {
        name.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F")
    }
}
