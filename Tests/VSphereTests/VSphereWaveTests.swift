import Ceph
import Ferry
import Foundation
import Libvirt
import TestSupport
import Testing
import VMDKFixtures

@Suite("a wave of vSphere VMs through ferry serve and a worker", .serialized)
struct VSphereWaveTests {
    @Test(
        "with per_source_host: 2, no more than 2 jobs read from the vSphere host at once, across ferry serve's worker and a second worker",
        .timeLimit(.minutes(5)))
    func perSourceHostLimit() async throws {
        let count = 5
        let names = (0..<count).map { _ in TestEnvironment.uniqueName("vs-wave") }
        let scratch = try TestEnvironment.scratchDirectory()
        let namespace = TestEnvironment.uniqueName("vs-jobs")
        let conf = try TestEnvironment.cephConfigFile()
        let cluster = try RadosCluster(configuration: .fromEnvironment(configFile: conf))
        let pool = try cluster.ioContext(pool: TestEnvironment.pool)
        let store = try JobStore(cluster: cluster, pool: TestEnvironment.pool, namespace: namespace)
        var processes: [FerryProcess] = []
        defer {
            for process in processes { process.terminate() }
            for process in processes { _ = process.wait() }
            for name in names {
                VCSim.removeVM(name)
                try? FileManager.default.removeItem(atPath: "\((try? VCSim.datastoreDirectory()) ?? "/nonexistent")/\(name)")
                try? pool.removeImage("\(name)-disk0", purgingSnapshots: true)
                if let domain = try? Hypervisor(uri: TestEnvironment.libvirtURI).domain(named: name) { try? domain.undefine() }
            }
            if let jobs = try? store.summaries() {
                for job in jobs { try? store.context.removeObject("ferry.job.\(job.id)") }
                try? store.context.removeObject(JobStore.indexObject)
            }
            try? FileManager.default.removeItem(at: scratch)
        }

        // Five VMs of one 48 MiB thin disk each, full of data.
        for name in names {
            let folder = try VCSim.folder(name)
            let megabyte = [UInt8](repeating: 0x6b, count: 1 << 20)
            var flat = Data()
            for _ in 0..<48 { flat.append(contentsOf: megabyte) }
            try flat.write(to: URL(fileURLWithPath: "\(folder)/\(name)-flat.vmdk"))
            try FixtureWriter.descriptor(createType: "vmfs", extents: ["RW \(48 * 2048) VMFS \"\(name)-flat.vmdk\""])
                .write(toFile: "\(folder)/\(name).vmdk", atomically: true, encoding: .utf8)
            try VCSim.createVM([
                "name": name, "memoryMB": 64, "uuid": UUID().uuidString.lowercased(),
                "controllers": [["type": "pvscsi", "busNumber": 0]],
                "disks": [["controller": 0, "unitNumber": 0, "fileName": "\(name).vmdk", "capacityBytes": 48 << 20, "thin": true]],
            ])
        }

        // Each host caps its imports at 24 MiB/s, so a job lasts seconds and jobs overlap.
        let sdk = try VCSim.sdkURL()
        let endpoint = VCSim.endpoint(sdk)
        let config = scratch.appendingPathComponent("ferry.yaml").path
        try """
            cluster: {conf: \(conf)}
            queue: {pool: \(TestEnvironment.pool), namespace: \(namespace)}
            nodes: [{name: local, uri: "\(TestEnvironment.libvirtURI)"}]
            networks: {"VM Network": "bridge:ferry-jobs-none"}
            workers: {slots: 2, lease_seconds: 9, poll_seconds: 0.3, retry_backoff_seconds: 1}
            limits: {per_source_host: 2, max_mib_per_second: 24}
            server: {listen: "127.0.0.1:\(Int.random(in: 20000...29999))", token_file: \(scratch.path)/tokens}
            vsphere:
              - name: "\(endpoint)"
                sdk_url: \(sdk)
                user: "\(try VCSim.user())"
                password_file: \(try VCSim.passwordFile())
                thumbprint: "\(try VCSim.thumbprint())"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let plan = scratch.appendingPathComponent("wave.yaml").path
        let datacenter = try VCSim.datacenter()
        try (["name: vs-wave", "defaults: {pool: \(TestEnvironment.pool), domain_type: qemu}", "vms:"]
            + names.map { "  - {source: \"vsphere://\(endpoint)/\(datacenter)/\($0)\"}" })
            .joined(separator: "\n").write(toFile: plan, atomically: true, encoding: .utf8)

        let token = try FerryRun.run(["token", "create", "--role", "admin", "--name", "wave", "--file", "\(scratch.path)/tokens"])
        #expect(token.status == 0, "\(token.standardError)")
        let validate = try FerryRun.run(["plan", "validate", plan, "--config", config])
        #expect(validate.status == 0, "\(validate.standardOutput)\(validate.standardError)")
        let submit = try FerryRun.run(["submit", plan, "--config", config])
        #expect(submit.status == 0, "\(submit.standardError)")
        processes.append(try FerryProcess.start(["worker", "--config", config]))
        processes.append(try FerryProcess.start(["serve", "--config", config]))

        var summaries: [JobSummary] = []
        for _ in 0..<600 {
            summaries = try store.summaries()
            if summaries.count == count, summaries.allSatisfy(\.state.isFinal) { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(summaries.count == count && summaries.allSatisfy { $0.state == .done }, "\(summaries.map { "\($0.name) \($0.state) \($0.error ?? "")" })")
        #expect(summaries.allSatisfy { $0.sourceHost == "127.0.0.1" }, "the job records name the source host")

        // From the records: how many jobs were reading from the host at once, at most.
        var intervals: [(start: Date, end: Date, worker: String)] = []
        for summary in summaries {
            let job = try #require(try store.job(summary.id))
            intervals.append((try #require(job.startedAt), try #require(job.finishedAt), job.worker ?? "?"))
        }
        let overlap = intervals.map { interval in
            intervals.filter { $0.start <= interval.start && interval.start < $0.end }.count
        }.max() ?? 0
        #expect(overlap == 2, "at most 2 at once, and the limit was reached: \(intervals)")
        for process in processes { process.terminate() }
        let outputs = processes.map { $0.wait() }
        processes = []
        // The password is in no job record and no service log.
        let password = try VCSim.password()
        var visible = outputs.flatMap { [$0.standardOutput, $0.standardError] } + [validate.standardOutput, submit.standardOutput]
        for summary in summaries {
            visible.append(String(decoding: try #require(try store.context.readObject("ferry.job.\(summary.id)")), as: UTF8.self))
        }
        #expect(!visible.contains { $0.contains(password) }, "the vSphere password leaked into a record or a log")
        #expect(
            Set(intervals.map(\.worker)).count == 2,
            "both workers took jobs: \(intervals.map(\.worker)); \(outputs.map { $0.standardError.suffix(600) })")
        for name in names {
            let image = "\(TestEnvironment.pool)/\(name)-disk0"
            let oracle = ChainFixture(folder: "\(try VCSim.datastoreDirectory())/\(name)", name: name)
            #expect(try ChainFixture.imageDigest(image, conf: conf) == oracle.oracleDigest("\(name).vmdk"))
        }
    }
}
