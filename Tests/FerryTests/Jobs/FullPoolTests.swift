import Ceph
import Ferry
import Foundation
import Testing
import TestSupport

/// The cluster running out of space mid-import, made real with a pool quota: Ceph flags the
/// pool full a few seconds after its usage passes `max_bytes`, exactly as it does when an OSD
/// passes its full ratio. Each test has a pool of its own, so no other test sees it full.
@Suite("a full pool mid-import: a clear error, the checkpoint kept, resumed once space is freed", .serialized)
struct FullPoolTests {
    @Test("import-disk stops with one line naming the quota instead of hanging; --resume after raising it yields qemu-img's bytes",
          .timeLimit(.minutes(4)))
    func importDiskStopsThenResumes() async throws {
        let pool = try QuotaPool(quotaMiB: 24)
        defer { pool.remove() }
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let vmdk = directory.appendingPathComponent("disk.vmdk").path
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", vmdk, "256M"])
        try Command.run(["qemu-io", "-f", "vmdk", "-c", "write -P 0x3C 0 224M", "-c", "write -P 0xC3 100M 64k", vmdk])
        let name = TestEnvironment.uniqueName("full")
        let spec = "\(pool.name)/\(name)"
        let conf = try TestEnvironment.cephConfigFile()
        // 10 MiB/s: the pool is flagged full (stats reach the monitor every few seconds) long
        // before the 224 MiB are written.
        let arguments = ["import-disk", vmdk, spec, "--conf", conf, "--progress", "none", "--max-rate", "10",
                         "--checkpoint-interval", "0.2"]
        let started = Date()
        let full = try FerryRun.run(arguments)
        let seconds = Date().timeIntervalSince(started)
        #expect(full.status != 0)
        #expect(seconds < 90, "a full pool must end the import, not pause it: \(seconds) s")
        let lines = full.standardError.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(full.standardError)")
        #expect(full.standardError.contains("\(spec): the cluster refused the write: the pool's quota is reached (EDQUOT)"),
                "\(full.standardError)")
        #expect(full.standardError.contains("--resume"))

        let image = try await pool.context.openImage(name, readOnly: true)
        #expect(try await image.metadata("ferry.state") == "importing", "never marked complete")
        let checkpoint = await UInt64(try image.metadata("ferry.checkpoint") ?? "") ?? 0
        #expect(checkpoint > 0, "a checkpoint was kept")
        try await image.close()

        try pool.setQuota(bytes: 0)
        try await pool.waitUntil(full: false)
        let resumed = try FerryRun.run(arguments + ["--resume", "--verify"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try ImportFixtures.oracleDigest(vmdk, in: directory) == ImportFixtures.imageDigest(spec, in: directory))
    }

    @Test("a job whose pool is full is retried after its backoff and finishes once space is freed",
          .timeLimit(.minutes(5)))
    func jobRetriesUntilSpaceIsFreed() async throws {
        let pool = try QuotaPool(quotaMiB: 16)
        defer { pool.remove() }
        // Full before the job starts: how soon Ceph flags a pool depends on its stats cycle,
        // which a short job could outrun (mid-import filling is the test above).
        try pool.fill(mebibytes: 24)
        try await pool.waitUntil(full: true)
        var fixture = try JobFixture(slots: 1)
        defer { fixture.cleanUp() }
        let name = TestEnvironment.uniqueName("full-job")
        try fixture.addVM(name, dataMiB: 24)
        let plan = fixture.directory.appendingPathComponent("full.yaml").path
        try """
            name: full
            defaults: {pool: \(pool.name), max_attempts: 10}
            vms:
              - \(fixture.vmEntry(name))
            """.write(toFile: plan, atomically: true, encoding: .utf8)
        let run = try FerryProcess.start(["run", plan] + fixture.serviceArguments)

        let retrying = try await fixture.waitFor("the first attempt to fail on the full pool", seconds: 120) { jobs in
            jobs.first.map { $0.attempts >= 1 && $0.state == .queued } ?? false
        }
        let id = try #require(retrying.first?.id)
        let job = try #require(try fixture.store.job(id))
        let notes = job.log.map(\.message)
        #expect(notes.contains { $0.contains("transient failure in import") && $0.contains("quota is reached") }, "\(notes)")

        try pool.setQuota(bytes: 0)
        let result = run.wait()
        #expect(result.status == 0, "\(result.standardError.suffix(800))")
        let done = try #require(try fixture.jobs().first)
        #expect(done.state == .done)
        #expect(done.attempts >= 2)
        let oracle = try ImportFixtures.oracleDigest(
            fixture.directory.appendingPathComponent("\(name)/\(name).vmdk").path, in: fixture.directory)
        #expect(try oracle == ImportFixtures.imageDigest("\(pool.name)/\(name)-disk0", in: fixture.directory))
    }
}

/// A throwaway RBD pool with a byte quota.
private struct QuotaPool {
    let name: String
    let context: IOContext

    init(quotaMiB: Int) throws {
        name = TestEnvironment.uniqueName("ferry-quota")
        try Command.run(["ceph", "osd", "pool", "create", name, "8"])
        try Command.run(["rbd", "pool", "init", name])
        context = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
            .ioContext(pool: name)
        try setQuota(bytes: quotaMiB << 20)
    }

    /// Writes `mebibytes` of data into one object, past the quota: writes are accepted until
    /// the monitor flags the pool full.
    func fill(mebibytes: Int) throws {
        let data = [UInt8](repeating: 0x5A, count: mebibytes << 20)
        try context.writeObject("ferry-test-filler", data)
    }

    func setQuota(bytes: Int) throws {
        try Command.run(["ceph", "osd", "pool", "set-quota", name, "max_bytes", String(bytes)])
    }

    /// Polls the OSD map until the pool's full flag is as wanted.
    func waitUntil(full wanted: Bool, seconds: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let detail = String(decoding: try Command.run(["ceph", "osd", "pool", "ls", "detail"]), as: UTF8.self)
            let line = detail.split(separator: "\n").first { $0.contains("'\(name)'") } ?? ""
            if line.contains("full_quota") == wanted { return }
            if Date() > deadline { throw Command.Failed(description: "pool \(name) full=\(!wanted) after \(seconds) s: \(line)") }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Deletes the pool and everything in it (the local cluster allows pool deletion).
    func remove() {
        context.close()
        _ = try? Command.run(["ceph", "osd", "pool", "rm", name, name, "--yes-i-really-really-mean-it"])
    }
}
