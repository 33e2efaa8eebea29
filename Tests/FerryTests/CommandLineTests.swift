import Ceph
import Foundation
import Testing
import TestSupport

@Suite("The ferry command line, as an admin uses it")
struct CommandLineTests {
    @Test("service verbs name a configuration file they cannot read, in one line", arguments: [
        ["serve", "--config", "/nonexistent/ferry.yaml"], ["worker", "--config", "/nonexistent/ferry.yaml"],
        ["submit", "plan.yaml", "--config", "/nonexistent/ferry.yaml"], ["jobs", "list", "--config", "/nonexistent/ferry.yaml"],
    ])
    func missingConfiguration(arguments: [String]) throws {
        let run = try FerryRun.run(arguments)
        #expect(run.status == 1)
        #expect(run.standardError.hasPrefix("ferry: /nonexistent/ferry.yaml: cannot read the configuration"), "\(run.standardError)")
        #expect(run.standardError.split(separator: "\n").count == 1)
        #expect(run.standardOutput.isEmpty)
    }

    /// Issue 13: "/nowhere/busy.vmx: cannot be read: The operation could not be completed. The
    /// file doesn't exist." Every file the command reads for an admin now says the errno's words.
    @Test("files that cannot be read are named in the errno's words, never Foundation's", arguments: [
        // How the source is reached (realpath, open) is the source layer's business; the words are the errno's.
        (["inspect", "/nowhere/busy.vmx"], "/nowhere/busy.vmx: "),
        (["plan", "validate", "/nowhere/plan.yaml"], "/nowhere/plan.yaml: cannot read the plan"),
        (["submit", "/nowhere/plan.yaml", "--config", "/nonexistent/ferry.yaml"],
         "/nonexistent/ferry.yaml: cannot read the configuration"),
        (["token", "create", "--role", "read", "--name", "ops", "--file", "/nowhere/tokens"],
         "cannot open the token file /nowhere/tokens"),
    ])
    func unreadableFiles(arguments: [String], prefix: String) throws {
        let run = try FerryRun.run(arguments)
        #expect(run.status == 1)
        #expect(run.standardError.hasPrefix("ferry: \(prefix)"), "\(run.standardError)")
        #expect(run.standardError.hasSuffix(": No such file or directory (ENOENT)\n"), "\(run.standardError)")
        #expect(run.standardError.split(separator: "\n").count == 1)
        #expect(!run.standardError.contains("operation could not be completed"), "\(run.standardError)")
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

    @Test("a keyring others can read is named in a warning, without its key; a private one is not")
    func exposedKeyringWarning() throws {
        let conf = try TestEnvironment.cephConfigFile()
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = try RadosCluster(configuration: .fromEnvironment(configFile: conf))
        let original = try cluster.keyringPath()
        let keyring = directory.appendingPathComponent("copy.keyring").path
        try FileManager.default.copyItem(atPath: original, toPath: keyring)
        let key = try Keyring(path: keyring).key(for: cluster.configuration.entityName)
        let disk = directory.appendingPathComponent("small.vmdk").path
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", disk, "8M"])
        let pool = try cluster.ioContext(pool: TestEnvironment.pool)

        for (mode, exposed) in [(0o644, true), (0o600, false)] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: keyring)
            let name = TestEnvironment.uniqueName("cli-keyring")
            defer { try? pool.removeImage(name, purgingSnapshots: true) }
            let run = try FerryRun.run(["import-disk", disk, "\(TestEnvironment.pool)/\(name)", "--conf", conf,
                                        "--keyring", keyring, "--progress", "none"])
            #expect(run.status == 0, "\(run.standardError)")
            let warning = "ferry: warning: the keyring \(keyring) is readable by group or others"
            #expect(run.standardError.contains(warning) == exposed, "mode \(String(mode, radix: 8)): \(run.standardError)")
            #expect(!run.standardError.contains(key) && !run.standardOutput.contains(key))
        }
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

        // 20 MiB/s: the 600 MiB import takes about 30 s, whatever the machine and its load.
        let victim = try FerryProcess.start(["import-disk", path, spec, "--max-rate", "20"] + common)
        // Wait for a checkpoint to land in the image's metadata, then kill without warning.
        var checkpoint: UInt64 = 0
        for _ in 0..<600 where checkpoint == 0 && victim.isRunning {
            try await Task.sleep(for: .milliseconds(50))
            if let image = try? await pool.openImage(name, readOnly: true) {
                checkpoint = await UInt64((try? image.metadata("ferry.checkpoint")) ?? nil ?? "0") ?? 0
                try await image.close()
            }
        }
        victim.kill()
        _ = victim.wait()
        #expect(checkpoint > 0 && checkpoint < 640 << 20, "the import was not interrupted mid-way")
        try await pool.withImage(name) { image async throws in
            #expect(try await image.metadata("ferry.state") == "importing")
        }

        let refused = try FerryRun.run(["import-disk", path, spec] + common)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("--resume"))

        let resumed = try FerryRun.run(["import-disk", path, spec, "--resume", "--verify"] + common)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try ImportFixtures.imageDigest(spec, in: directory) == ImportFixtures.oracleDigest(path, in: directory))
        try await pool.withImage(name) { image async throws in
            #expect(try await image.metadata("ferry.state") == "complete")
        }
    }
}

@Suite("ferry inspect")
struct InspectCommandTests {
    @Test("a .vmx lists the VM's hardware and inspects every disk; a broken disk fails the command")
    func vmx() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.path
        try ImportFixtures.vmx(name: "web01", memoryMiB: 512, vcpus: 2, coresPerSocket: 2)
            .write(toFile: "\(folder)/web01.vmx", atomically: true, encoding: .utf8)
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "\(folder)/web01.vmdk", "64M"])
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", "\(folder)/data.vmdk", "32M"])

        let good = try FerryRun.run(["inspect", "\(folder)/web01.vmx"])
        #expect(good.status == 0, "\(good.standardError)")
        #expect(good.standardOutput.contains("vm:          web01"))
        #expect(good.standardOutput.contains("2 vCPU (1 socket(s) × 2 core(s)), 512 MiB"))
        #expect(good.standardOutput.contains("vmxnet3 on VM Network, MAC 00:50:56:01:02:03"))
        #expect(good.standardOutput.contains("disk scsi0:0: \(folder)/web01.vmdk"))
        #expect(good.standardOutput.contains("disk sata0:1: \(folder)/data.vmdk"))

        // A flat extent shorter than its descriptor says: qemu-img would read zeros there.
        try Command.run(["truncate", "-s", "16M", "\(folder)/data-flat.vmdk"])
        let bad = try FerryRun.run(["inspect", "\(folder)/web01.vmx", "--json"])
        #expect(bad.status == 1)
        #expect(bad.standardError.hasPrefix("ferry: \(folder)/data-flat.vmdk"))
        #expect(bad.standardError.split(separator: "\n").count == 1)
        let report = try JSONSerialization.jsonObject(with: Data(bad.standardOutput.utf8)) as? [String: Any]
        let disks = try #require(report?["disks"] as? [[String: Any]])
        #expect(disks.count == 2)
        #expect(disks[0]["error"] == nil)
        #expect((disks[1]["error"] as? String)?.contains("data-flat.vmdk") == true)
    }
}
