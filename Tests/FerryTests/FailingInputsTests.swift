import Ceph
import Foundation
import Testing
import TestSupport

/// What the issue on hardening asks of failing parts outside Ferry: a source that changes
/// under the importer, and a cluster that does not answer.
@Suite("failing sources and unreachable clusters", .serialized)
struct FailingInputsTests {
    @Test("a flat source truncated mid-import fails with the file named; the image never looks finished",
          .timeLimit(.minutes(2)))
    func truncatedWhileImporting() async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let disk = directory.appendingPathComponent("flat.vmdk").path
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", disk, "64M"])
        try Command.run(["qemu-io", "-f", "vmdk", "-c", "write -P 0x77 0 64M", disk])
        let flat = directory.appendingPathComponent("flat-flat.vmdk").path
        let image = TestEnvironment.uniqueName("truncated")
        let pool = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
            .ioContext(pool: TestEnvironment.pool)
        defer { try? pool.removeImage(image, purgingSnapshots: true) }

        // 8 MiB/s: the import takes 8 s, and the file loses its second half after one.
        let importer = try FerryProcess.start([
            "import-disk", disk, "\(TestEnvironment.pool)/\(image)", "--conf", try TestEnvironment.cephConfigFile(),
            "--max-rate", "8", "--progress", "none",
        ])
        try await Task.sleep(for: .seconds(1))
        try Command.run(["truncate", "-s", "32M", flat])
        let result = importer.wait()
        #expect(result.status == 1)
        #expect(result.standardError.contains("flat-flat.vmdk"), "\(result.standardError)")
        #expect(result.standardError.contains("truncated"))
        #expect(result.standardError.split(separator: "\n").count == 1)
        let opened = try await pool.openImage(image, readOnly: true)
        #expect(try await opened.metadata("ferry.state") == "importing")
        try await opened.close()
    }

    @Test("monitors that do not answer give one clear line within the configured timeout, not a hang")
    func unreachableMonitor() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A port nothing listens on; client_mount_timeout from the config file bounds the wait.
        let conf = directory.appendingPathComponent("ceph.conf").path
        try "[global]\nmon_host = v2:127.0.0.1:1\nauth_supported = none\nclient_mount_timeout = 4\n"
            .write(toFile: conf, atomically: true, encoding: .utf8)
        let started = Date()
        let result = try FerryRun.run(["jobs", "list", "--conf", conf])
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("ferry: rados connect as client.admin using \(conf)"), "\(result.standardError)")
        #expect(result.standardError.contains("timed out") || result.standardError.contains("ETIMEDOUT"))
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(elapsed < 20, "bounded by client_mount_timeout (4 s), took \(elapsed) s")
    }
}
