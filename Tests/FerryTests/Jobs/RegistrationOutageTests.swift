import Ceph
import Ferry
import Foundation
import Libvirt
import Testing
import TestSupport

extension SecondNodeSuites {
    @Suite("libvirtd down at registration", .serialized)
    struct RegistrationOutageTests {
        @Test("the job fails at register with its images kept; once libvirtd is back, a retry registers without copying again",
              .timeLimit(.minutes(3)))
        func libvirtdDownAtRegistration() async throws {
            let node2 = try TestEnvironment.secondNodeURI()
            let clusterDirectory = try TestEnvironment.clusterDirectory()
            let script = "\(TestEnvironment.repositoryRoot)/Docker/dev/libvirt-node2"
            var fixture = try JobFixture(
                extraConfig: "limits: {max_mib_per_second: 4}", slots: 1,
                nodes: "[{name: local, uri: \"\(TestEnvironment.libvirtURI)\"}, {name: node2, uri: \"\(node2)\"}]")
            // Whatever happens, node 2 is up again for the suites that follow.
            defer {
                _ = try? Command.run(["bash", "\(script)-up.sh", clusterDirectory])
                fixture.cleanUp()
            }
            let name = TestEnvironment.uniqueName("jobs-outage")
            try fixture.addVM(name, dataMiB: 40)
            let plan = try fixture.plan([fixture.vmEntry(name, extra: "node: node2, max_attempts: 1")])
            _ = try FerryRun.run(["submit", plan] + fixture.serviceArguments)
            let worker = try FerryProcess.start(["worker"] + fixture.serviceArguments)
            defer { worker.kill(); _ = worker.wait() }

            _ = try await fixture.waitFor("the import to be under way") { $0.first.map { $0.doneBytes > 0 } == true }
            // Only libvirtd dies (a crash; SIGTERM would wait for its clients); its pid is in node 2's run folder.
            let pid = try String(contentsOfFile: "\(clusterDirectory)/node2/run/libvirtd.pid", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try Command.run(["kill", "-9", pid])
            for _ in 0..<100 where (try? Command.run(["kill", "-0", pid])) != nil {
                try await Task.sleep(for: .milliseconds(100))
            }
            let failed = try await fixture.waitFor("the job to fail", seconds: 60) { $0.first?.state.isFinal == true }
            #expect(failed[0].state == .failed, "\((try? fixture.store.job(failed[0].id))??.log.map(\.message) ?? [])")
            #expect(failed[0].step == .register, "the import finished; registration failed")
            #expect(failed[0].error?.contains("registering \(name) on node2 failed") == true, "\(failed[0].error ?? "")")
            let pool = try fixture.cluster.ioContext(pool: TestEnvironment.pool)
            let image = try await pool.openImage("\(name)-disk0", readOnly: true)
            #expect(try await image.metadata("ferry.state") == "complete", "the images are kept, finished")
            try await image.close()

            try Command.run(["bash", "\(script)-up.sh", clusterDirectory])
            let retry = try FerryRun.run(["jobs", "retry", failed[0].id] + fixture.serviceArguments)
            #expect(retry.status == 0, "\(retry.standardError)")
            let done = try await fixture.waitFor("the retried job to finish", seconds: 60) { $0.first?.state.isFinal == true }
            #expect(done[0].state == .done, "\(done[0].error ?? "")")
            let job = try #require(try fixture.store.job(failed[0].id))
            let reused = job.log.filter { $0.message.contains("already imported from this source by an earlier attempt") }
            #expect(reused.count == 2, "both disks reused: \(job.log.map(\.message))")
            #expect(try await Hypervisor(uri: node2).domain(named: name) != nil)
            #expect(try fixture.imageMatchesSource(vm: name, disk: 0))
        }
    }
}
