import ArgumentParser
import Ferry
import VSphere

/// How the command line reaches ESXi or vCenter for a `vsphere://ENDPOINT/…` source. The
/// password is never an argument (`ps` would show it): a file or an environment variable.
struct VSphereOptions: ParsableArguments {
    @Option(name: .customLong("vsphere-user"), help: "vSphere user for vsphere:// sources (administrator@vsphere.local, root, …).")
    var user: String?

    @Option(name: .customLong("vsphere-password-file"), help: "File whose first line is the vSphere password (mode 0600).")
    var passwordFile: String?

    @Option(name: .customLong("vsphere-password-env"), help: "Environment variable holding the vSphere password.")
    var passwordEnvironment: String?

    @Option(name: .customLong("vsphere-thumbprint"), help: "Trust exactly the certificate with this SHA-256 thumbprint (AB:CD:…), as ESXi's host client shows it.")
    var thumbprint: String?

    @Option(name: .customLong("vsphere-ca-file"), help: "Trust the CAs in this PEM file (a vCenter's VMCA root) instead of the system's.")
    var caFile: String?

    @Flag(name: .customLong("vsphere-insecure"), help: "Accept any certificate (warned on every run).")
    var insecure = false

    @Option(name: .customLong("vsphere-sdk-url"), help: "SDK URL (default https://ENDPOINT/sdk).")
    var sdkURL: String?

    @Option(name: .customLong("vsphere-connections"), help: "HTTPS connections per host for datastore reads.")
    var connections = 4

    /// Makes the endpoint `source` names (`vsphere://ENDPOINT/…`) known to this process, and
    /// prints the warnings its settings deserve. Does nothing for other sources (a path,
    /// `-`). With `bareEndpoint`, `source` is the ENDPOINT itself (`vsphere ls`).
    func configure(for source: String, bareEndpoint: Bool = false) throws {
        let endpoint: String
        if bareEndpoint {
            endpoint = source
        } else if VSphereURL.names(source) {
            endpoint = try VSphereURL.parse(source).endpoint
        } else {
            return
        }
        guard let user else {
            throw ValidationError("\(source): give --vsphere-user and --vsphere-password-file (or --vsphere-password-env)")
        }
        let password: VSpherePassword
        switch (passwordFile, passwordEnvironment) {
        case (let file?, nil):
            let (read, warning) = try VSpherePassword.fromFile(file)
            if let warning { Output.standardError("warning: \(warning)\n") }
            password = read
        case (nil, let name?):
            password = try VSpherePassword.fromEnvironment(name)
        case (nil, nil):
            throw ValidationError("\(source): give the password with --vsphere-password-file or --vsphere-password-env (never on the command line)")
        case (_?, _?):
            throw ValidationError("give only one of --vsphere-password-file and --vsphere-password-env")
        }
        let trust: CertificateTrust
        switch (thumbprint, caFile, insecure) {
        case (let pinned?, nil, false): trust = try CertificateTrust.pinned(pinned)
        case (nil, let file?, false): trust = .caFile(file)
        case (nil, nil, true): trust = .insecure
        case (nil, nil, false): trust = .system
        default: throw ValidationError("give only one of --vsphere-thumbprint, --vsphere-ca-file and --vsphere-insecure")
        }
        let configured = try VSphereEndpoint(
            name: endpoint, sdkURL: sdkURL ?? "https://\(endpoint)/sdk", user: user, password: password, trust: trust,
            connectionsPerHost: connections)
        if trust == .insecure {
            Output.standardError("warning: \(configured.label): TLS certificate not verified (--vsphere-insecure)\n")
        }
        VSphereSessions.shared.configure(configured)
    }

    /// Runs `body` with the endpoint `source` names configured, and logs out of every
    /// session the run opened however it ends (vCenter counts sessions per user).
    func withSessions(for source: String, bareEndpoint: Bool = false, _ body: () async throws -> Void) async throws {
        try configure(for: source, bareEndpoint: bareEndpoint)
        do {
            if VSphereURL.names(source), case .file(let endpoint, _, _) = try VSphereURL.parse(source) {
                // A lone datastore disk is read through its endpoint's session, opened first.
                _ = try await VSphereSessions.shared.session(endpoint)
            }
            try await body()
        } catch {
            await VSphereSessions.shared.closeAll()
            throw error
        }
        await VSphereSessions.shared.closeAll()
    }
}
