import Ceph
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Faults injected into the shared local cluster. These run on their own, after the other
/// suites (`Docker/dev/test.sh`), because stopping the only OSD stalls every client.
@Suite("Imports survive cluster faults", .serialized)
struct OSDRestartTests {
    @Test("the OSD stopped and restarted mid-import: the import stalls, then completes identically",
          .timeLimit(.minutes(5)))
    func osdRestart() async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("disk.vmdk").path
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", path, "512M"])
        try Command.run(["qemu-io", "-f", "vmdk", "-c", "write -P 0x4F 0 480M", "-c", "write -P 0x17 200M 1M", path])
        let conf = try TestEnvironment.cephConfigFile()
        let clusterDirectory = try TestEnvironment.clusterDirectory()
        let pool = try RadosCluster(configuration: .fromEnvironment(configFile: conf)).ioContext(pool: TestEnvironment.pool)
        let name = TestEnvironment.uniqueName("fault-osd")
        let spec = "\(TestEnvironment.pool)/\(name)"
        defer { try? pool.removeImage(name, purgingSnapshots: true) }

        let importer = try FerryProcess.start([
            "import-disk", path, spec, "--conf", conf, "--progress", "none", "--max-rate", "100",
            "--checkpoint-interval", "0.1", "--verify",
        ])
        var started = false
        for _ in 0..<600 where !started && importer.isRunning {
            try await Task.sleep(for: .milliseconds(50))
            if let image = try? await pool.openImage(name, readOnly: true) {
                started = await ((try? image.metadata("ferry.checkpoint")) ?? nil) != nil
                try await image.close()
            }
        }
        #expect(started, "the import did not get going")

        let pidText = try String(contentsOfFile: "\(clusterDirectory)/run/osd.0.pid", encoding: .utf8)
        let osd = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        // SIGKILL: a crashed OSD, not a polite shutdown that lets in-flight writes finish.
        #expect(kill(osd, SIGKILL) == 0)
        try await Task.sleep(for: .seconds(10))
        #expect(importer.isRunning, "the import should wait for the OSD, not fail or finish")

        try Command.run(["bash", "\(TestEnvironment.repositoryRoot)/Docker/dev/ceph-up.sh", clusterDirectory])
        let run = importer.wait()
        #expect(run.status == 0, "\(run.standardError)")
        let raw = directory.appendingPathComponent("oracle.raw").path
        try Command.run(["qemu-img", "convert", "-f", "vmdk", "-O", "raw", path, raw])
        let exported = directory.appendingPathComponent("export.raw").path
        try Command.run(["rbd", "export", "--no-progress", spec, exported])
        let digests = try [raw, exported].map { String(decoding: try Command.run(["sha256sum", $0]), as: UTF8.self).prefix(64) }
        #expect(digests[0] == digests[1])
    }
}
