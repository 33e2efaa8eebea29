import Foundation

/// One ESXi host or vCenter Ferry reads from, as the service configuration's `vsphere:`
/// section or the command line describe it.
public struct VSphereEndpoint: Sendable {
    /// What `vsphere://NAME/…` sources call it; the host when none was given.
    public var name: String
    /// The SDK URL, `https://HOST[:PORT]/sdk` (ESXi and vCenter alike).
    public let sdkURL: URL
    public var user: String
    public var password: VSpherePassword
    public var trust: CertificateTrust
    /// Connections opened to one host for datastore reads (Proxmox's importer uses 4; ESXi
    /// caps each connection's rate, so several are what make a copy fast).
    public var connectionsPerHost: Int

    /// - Throws: `VSphereError.invalidEndpoint` when `sdkURL` is not `https://HOST…`.
    public init(
        name: String? = nil, sdkURL: String, user: String, password: VSpherePassword, trust: CertificateTrust = .system,
        connectionsPerHost: Int = 4
    ) throws(VSphereError) {
        guard let url = URL(string: sdkURL), url.scheme?.lowercased() == "https", let host = url.host, !host.isEmpty
        else {
            throw VSphereError(.invalidEndpoint, "vSphere SDK URL \(sdkURL) is not https://HOST/sdk")
        }
        guard url.user == nil, url.password == nil else {
            throw VSphereError(.invalidEndpoint, "vSphere SDK URL for \(host) carries credentials; give the user with --vsphere-user and the password in a file or an environment variable")
        }
        guard (1...64).contains(connectionsPerHost) else {
            throw VSphereError(.invalidEndpoint, "\(connectionsPerHost) connections per host for \(host): give 1 to 64")
        }
        self.name = name ?? host
        self.sdkURL = url.path.isEmpty ? url.appendingPathComponent("sdk") : url
        self.user = user
        self.password = password
        self.trust = trust
        self.connectionsPerHost = connectionsPerHost
    }

    public var host: String { sdkURL.host ?? "" }
    public var port: Int { sdkURL.port ?? 443 }

    /// `https://HOST[:PORT]`, the root datastore URLs hang off.
    public var origin: String { port == 443 ? "https://\(host)" : "https://\(host):\(port)" }

    /// How errors name the endpoint: its name, and its host when that differs.
    public var label: String { name == host ? host : "\(name) (\(host))" }
}
