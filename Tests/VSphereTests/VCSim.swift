import Foundation
import TestSupport

/// The vSphere peer of these tests: govmomi's vcsim run by Docker/dev/vcsim-up.sh, behind
/// nginx (Docker/dev/nginx-up.sh) for TLS, a per-connection rate cap and injected faults.
/// Like the cluster, it must be running: a missing variable is a failure, not a skip.
enum VCSim {
    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw TestEnvironment.Missing(
                description: "\(name) is not set: start vcsim and nginx with Docker/dev/vcsim-up.sh DIR and nginx-up.sh DIR and export what they print")
        }
        return value
    }

    /// nginx's TLS port in front of vcsim.
    static func sdkURL() throws -> String { try variable("FERRY_VCSIM_SDK_URL") }
    /// The same, answering some `/folder` requests with 503, a dropped or a cut connection.
    static func faultsURL() throws -> String { try variable("FERRY_VCSIM_FAULTS_URL") }
    static func user() throws -> String { try variable("FERRY_VCSIM_USER") }
    static func passwordFile() throws -> String { try variable("FERRY_VCSIM_PASSWORD_FILE") }
    static func password() throws -> String {
        let text = try String(contentsOfFile: try passwordFile(), encoding: .utf8)
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }
    static func thumbprint() throws -> String { try variable("FERRY_VCSIM_THUMBPRINT") }
    static func datacenter() throws -> String { try variable("FERRY_VCSIM_DATACENTER") }
    static func datastoreDirectory() throws -> String { try variable("FERRY_VCSIM_DATASTORE_DIR") }
    static func accessLog() throws -> String { try variable("FERRY_NGINX_ACCESS_LOG") }

    /// `HOST:PORT` of an SDK URL: what `vsphere://ENDPOINT/…` names.
    static func endpoint(_ sdkURL: String) -> String {
        URL(string: sdkURL).map { "\($0.host ?? ""):\($0.port ?? 443)" } ?? sdkURL
    }

    /// The options that reach vcsim through `sdkURL`, the password from its file.
    static func options(_ sdkURL: String) throws -> [String] {
        [
            "--vsphere-user", try user(), "--vsphere-password-file", try passwordFile(),
            "--vsphere-thumbprint", try thumbprint(),
        ]
    }

    /// Creates a VM from a harness spec (Docker/dev/vcsim/README.md) whose disk files are
    /// already in its datastore folder.
    static func createVM(_ spec: [String: Any]) throws {
        _ = try control("POST", "/vms", body: spec)
    }

    /// The harness's view of a VM (powerState, snapshots, disks).
    static func vm(_ name: String) throws -> [String: Any] {
        let data = try control("GET", "/vms/\(name)")
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// Unregisters the VM and removes what vcsim wrote; the fixtures stay (the caller removes its folder).
    static func removeVM(_ name: String) {
        _ = try? control("DELETE", "/vms/\(name)")
    }

    /// A folder on the datastore for one VM's fixture files.
    static func folder(_ name: String) throws -> String {
        let path = "\(try datastoreDirectory())/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private static func control(_ method: String, _ path: String, body: [String: Any]? = nil) throws -> Data {
        var arguments = ["curl", "-sS", "--fail-with-body", "-X", method, try variable("FERRY_VCSIM_CONTROL_URL") + path]
        var bodyFile: String?
        if let body {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("vcsim-spec")).path
            try JSONSerialization.data(withJSONObject: body).write(to: URL(fileURLWithPath: file))
            arguments += ["-H", "Content-Type: application/json", "--data-binary", "@\(file)"]
            bodyFile = file
        }
        defer { bodyFile.map { try? FileManager.default.removeItem(atPath: $0) } }
        return try Command.run(arguments)
    }

    /// Lines the nginx access log gained since `offset` (its size before the run).
    static func accessLogLines(since offset: UInt64) throws -> [String] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: try accessLog()))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        let data = try handle.readToEnd() ?? Data()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func accessLogSize() throws -> UInt64 {
        (try FileManager.default.attributesOfItem(atPath: try accessLog())[.size] as? NSNumber)?.uint64Value ?? 0
    }
}
