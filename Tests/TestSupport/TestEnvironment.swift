import Foundation

/// Where the integration tests find the real Ceph cluster and libvirtd.
///
/// The tests never skip: a missing daemon is a failure, because CI always starts both
/// (`Docker/dev/test.sh`). Run that script, or export the variables it prints, locally.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// `CEPH_CONF` of the local cluster started by `Docker/dev/ceph-up.sh`.
    public static func cephConfigFile() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["CEPH_CONF"], !path.isEmpty else {
            throw Missing(description: "CEPH_CONF is not set: start the cluster with Docker/dev/ceph-up.sh DIR and export what it prints")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw Missing(description: "CEPH_CONF=\(path) does not exist")
        }
        return path
    }

    /// The pool the tests create images in.
    public static var pool: String { ProcessInfo.processInfo.environment["FERRY_TEST_POOL"] ?? "rbd" }

    /// libvirt URI of the local libvirtd started by `Docker/dev/libvirt-up.sh`.
    public static var libvirtURI: String {
        ProcessInfo.processInfo.environment["LIBVIRT_DEFAULT_URI"] ?? "qemu:///system"
    }

    /// libvirt URI of the second node started by `Docker/dev/libvirt-node2-up.sh`
    /// (`qemu+tcp://10.231.77.2/system`): its own libvirtd in another network and mount
    /// namespace, so it has its own domains and secrets, as a second KVM host would.
    public static func secondNodeURI() throws -> String {
        guard let uri = ProcessInfo.processInfo.environment["FERRY_NODE2_URI"], !uri.isEmpty else {
            throw Missing(
                description: "FERRY_NODE2_URI is not set: start the second libvirt node with "
                    + "Docker/dev/libvirt-node2-up.sh DIR and export what it prints")
        }
        return uri
    }

    /// The directory holding the local cluster (ceph.conf's folder); serial logs go there.
    public static func clusterDirectory() throws -> String {
        URL(fileURLWithPath: try cephConfigFile()).deletingLastPathComponent().path
    }

    /// A name no other test run uses, so tests can run in parallel against one cluster.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// A fresh scratch directory removed by the caller.
    public static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("ferry-test"))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension TestEnvironment {
    /// The `ferry` executable under test: `FERRY_BINARY`, else the debug build of this checkout.
    public static var ferryBinary: String {
        if let path = ProcessInfo.processInfo.environment["FERRY_BINARY"], !path.isEmpty { return path }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repository.appendingPathComponent(".build/debug/ferry").path
    }
}

extension TestEnvironment {
    /// The repository root of this checkout (for the Docker/dev scripts).
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
}
