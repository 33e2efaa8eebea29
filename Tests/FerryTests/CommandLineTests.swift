import Ceph
import Foundation
import Testing
import TestSupport

@Suite("The ferry command line, as an admin uses it")
struct CommandLineTests {
    @Test("verbs that are not built yet fail loudly instead of pretending", arguments: [
        ["migrate", "vm.vmx", "--pool", "rbd"], ["serve", "--config", "x.yaml"], ["worker", "--config", "x.yaml"],
        ["submit", "plan.yaml"], ["jobs", "list"],
    ])
    func notImplemented(arguments: [String]) throws {
        let run = try FerryRun.run(arguments)
        #expect(run.status != 0)
        #expect(run.standardError == "ferry: \(arguments[0]): not implemented yet in this build of Ferry\n")
        #expect(run.standardOutput.isEmpty)
    }

    @Test("a missing source is one line naming the file, and nothing is created")
    func missingSource() throws {
        let name = TestEnvironment.uniqueName("cli-missing")
        let run = try FerryRun.run(["import-disk", "/nonexistent/vm/disk.vmdk", "\(TestEnvironment.pool)/\(name)",
                                    "--conf", try TestEnvironment.cephConfigFile()])
        #expect(run.status == 1)
        #expect(run.standardError.hasPrefix("ferry: /nonexistent/vm/disk.vmdk"))
        #expect(run.standardError.split(separator: "\n").count == 1)
        let pool = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
            .ioContext(pool: TestEnvironment.pool)
        #expect(try pool.imageExists(name) == false)
    }

    @Test("a bad image spec is a usage error")
    func badSpec() throws {
        let run = try FerryRun.run(["import-disk", "disk.vmdk", "no-pool-here"])
        #expect(run.status != 0)
        #expect(run.standardError.contains("target"))
    }

    @Test("kill -9 mid-import, then --resume, gives the same image as qemu-img reads", .timeLimit(.minutes(5)))
    func killAndResume() async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("big.vmdk").path
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", path, "640M"])
        try Command.run(["qemu-io", "-f", "vmdk", "-c", "write -P 0x6B 0 600M", "-c", "write -P 0x2C 333M 5M", path])
        let conf = try TestEnvironment.cephConfigFile()
        let cluster = try RadosCluster(configuration: .fromEnvironment(configFile: conf))
        let pool = try cluster.ioContext(pool: TestEnvironment.pool)
        let name = TestEnvironment.uniqueName("cli-kill")
        let spec = "\(TestEnvironment.pool)/\(name)"
        defer { ImportFixtures.removeImage(pool, name) }
        let common = ["--conf", conf, "--progress", "none", "--checkpoint-interval", "0.1"]

        let victim = try FerryProcess.start(["import-disk", path, spec, "--parallel", "1", "--readers", "1"] + common)
        // Wait for a checkpoint to land in the image's metadata, then kill without warning.
        var checkpoint: UInt64 = 0
        for _ in 0..<600 where checkpoint == 0 && victim.isRunning {
            try await Task.sleep(for: .milliseconds(50))
            if let image = try? pool.openImage(name, readOnly: true) {
                checkpoint = UInt64((try? image.metadata("ferry.checkpoint")) ?? nil ?? "0") ?? 0
                try image.close()
            }
        }
        victim.kill()
        _ = victim.wait()
        #expect(checkpoint > 0 && checkpoint < 640 << 20, "the import was not interrupted mid-way")
        try await pool.withImage(name) { image async throws in
            #expect(try image.metadata("ferry.state") == "importing")
        }

        let refused = try FerryRun.run(["import-disk", path, spec] + common)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("--resume"))

        let resumed = try FerryRun.run(["import-disk", path, spec, "--resume", "--verify"] + common)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try ImportFixtures.imageDigest(spec, in: directory) == ImportFixtures.oracleDigest(path, in: directory))
        try await pool.withImage(name) { image async throws in
            #expect(try image.metadata("ferry.state") == "complete")
        }
    }
}
