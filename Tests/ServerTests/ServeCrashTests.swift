import Foundation
import Testing
import TestSupport

@Suite("ferry serve runs a plan through a crash")
struct ServeCrashTests {
    @Test("several VMs through ferry serve; kill -9 mid-import, restart: every job finishes and the images equal qemu-img's",
          .timeLimit(.minutes(4)))
    func planSurvivesServerCrash() async throws {
        // 4 MiB/s for the host: three VMs of 16 MiB take seconds each, so the crash lands mid-import.
        let server = try await ServerProcess(
            workers: true, extraConfig: "workers: {slots: 2, lease_seconds: 6}\nlimits: {max_mib_per_second: 4}")
        let names = (0..<3).map { TestEnvironment.uniqueName("serve-crash\($0)") }
        defer {
            server.cleanUp()
            for name in names {
                _ = try? Command.run(["rbd", "snap", "purge", "\(TestEnvironment.pool)/\(name)-disk0"])
                _ = try? Command.run(["rbd", "rm", "--no-progress", "\(TestEnvironment.pool)/\(name)-disk0"])
                _ = try? Command.run(["virsh", "-c", TestEnvironment.libvirtURI, "undefine", name])
            }
        }
        let script = "\(TestEnvironment.repositoryRoot)/Docker/dev/make-vm.sh"
        var sources: [String] = []
        for name in names {
            let vmx = try Command.run(["bash", script, server.directory.path, name, "16"])
            sources.append(String(decoding: vmx, as: UTF8.self).trimmingCharacters(in: .newlines))
        }
        let plan = "defaults: {pool: \(TestEnvironment.pool)}\nvms:\n" + sources.map { "  - {source: \"\($0)\"}\n" }.joined()
        let ids = try await server.submit(plan)
        #expect(ids.count == 3)

        let importing = try await server.waitForJob(ids[0]) { job in
            let disks = job["disks"] as? [[String: Any]] ?? []
            return disks.contains { ($0["doneBytes"] as? Int ?? 0) > 0 }
        }
        let doneAtCrash = (importing["disks"] as? [[String: Any]])?.first?["doneBytes"] as? Int ?? 0
        #expect(doneAtCrash > 0 && doneAtCrash < 16 << 20, "crash mid-import: \(doneAtCrash) bytes done")
        server.crash()
        try await server.restart()

        for id in ids {
            let job = try await server.waitForJob(id, seconds: 120) { ["done", "failed", "cancelled"].contains($0["state"] as? String) }
            #expect(job["state"] as? String == "done", "\(job["error"] ?? "")")
        }
        let first = try await server.job(ids[0])
        let log = (first["log"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(log.contains { $0.contains("taken over by") }, "the restarted server took the job over: \(log)")
        // Every image equals qemu-img's conversion of its VMDK: what a run without the crash yields.
        for (name, vmx) in zip(names, sources) {
            let vmdk = vmx.replacingOccurrences(of: ".vmx", with: ".vmdk")
            let oracle = server.directory.appendingPathComponent("\(name).oracle").path
            let exported = server.directory.appendingPathComponent("\(name).export").path
            try Command.run(["qemu-img", "convert", "-f", "vmdk", "-O", "raw", vmdk, oracle])
            try Command.run(["rbd", "export", "--no-progress", "\(TestEnvironment.pool)/\(name)-disk0", exported])
            let sums = try [oracle, exported].map { String(decoding: try Command.run(["sha256sum", $0]), as: UTF8.self).prefix(64) }
            #expect(sums[0] == sums[1], "\(name)-disk0 differs from its VMDK")
        }
    }
}
