import Foundation
import VSphere

/// One entry of the service configuration's `vsphere:` section: how workers reach an ESXi
/// host or vCenter. The password itself is never in this file: `password_file` (mode 0600)
/// or `password_env` names where it is, and it is read when a service starts.
public struct VSphereSettings: Codable, Sendable, Hashable {
    /// What plans' `vsphere://NAME/…` sources call it.
    public var name: String
    public var sdkURL: String
    public var user: String
    public var passwordFile: String?
    public var passwordEnvironment: String?
    /// SHA-256 thumbprint of the host's certificate (ESXi's self-signed one).
    public var thumbprint: String?
    public var caFile: String?
    public var insecure: Bool?
    /// HTTPS connections per host for datastore reads (default 4).
    public var connections: Int?

    enum CodingKeys: String, CodingKey {
        case name, user, thumbprint, insecure, connections
        case sdkURL = "sdk_url", passwordFile = "password_file", passwordEnvironment = "password_env"
        case caFile = "ca_file"
    }

    /// The SDK URL's host: what `limits.per_source_host` counts jobs by.
    public var host: String { URL(string: sdkURL)?.host ?? sdkURL }

    /// Checks what can be checked without reading the password.
    /// - Throws: `VSphereError.invalidEndpoint` saying which key is wrong.
    func validate() throws(VSphereError) {
        _ = try endpoint(password: VSpherePassword.placeholder)
        if (passwordFile == nil) == (passwordEnvironment == nil) {
            throw VSphereError(.invalidEndpoint, "vsphere \(name): give exactly one of password_file and password_env")
        }
    }

    /// The endpoint, reading its password now.
    /// - Returns: the endpoint and what to warn about (a password file others can read,
    ///   `insecure: true`).
    /// - Throws: `VSphereError.invalidEndpoint` when the password cannot be read.
    public func resolve() throws(VSphereError) -> (endpoint: VSphereEndpoint, warnings: [String]) {
        var warnings: [String] = []
        let password: VSpherePassword
        if let passwordFile {
            let (read, warning) = try VSpherePassword.fromFile(passwordFile)
            if let warning { warnings.append(warning) }
            password = read
        } else {
            password = try VSpherePassword.fromEnvironment(passwordEnvironment ?? "")
        }
        let endpoint = try endpoint(password: password)
        if insecure == true {
            warnings.append("vsphere \(name): TLS certificate not verified (insecure: true); anyone on the path can read the password and the disks")
        }
        return (endpoint, warnings)
    }

    private func endpoint(password: VSpherePassword) throws(VSphereError) -> VSphereEndpoint {
        let trust: CertificateTrust
        switch (thumbprint, caFile, insecure ?? false) {
        case (let pinned?, nil, false): trust = try CertificateTrust.pinned(pinned)
        case (nil, let file?, false): trust = .caFile(file)
        case (nil, nil, true): trust = .insecure
        case (nil, nil, false): trust = .system
        default: throw VSphereError(.invalidEndpoint, "vsphere \(name): give only one of thumbprint, ca_file and insecure")
        }
        return try VSphereEndpoint(
            name: name, sdkURL: sdkURL, user: user, password: password, trust: trust, connectionsPerHost: connections ?? 4)
    }
}
