import Ceph
import Ferry
import Foundation
import Libvirt
import Testing
import TestSupport

/// Plans through real `ferry run` / `ferry worker` processes on the local cluster and libvirtd.
@Suite("job queue end to end: ferry run, workers, crashes, drain, cancel", .serialized)
struct JobQueueEndToEndTests {
    @Test("ferry run: good VMs are migrated and match qemu-img; a bad VM fails alone", .timeLimit(.minutes(3)))
    func runPlan() async throws {
        var fixture = try JobFixture()
        defer { fixture.cleanUp() }
        try fixture.addVM(TestEnvironment.uniqueName("jobs-a"))
        try fixture.addVM(TestEnvironment.uniqueName("jobs-b"))
        let names = fixture.vms.keys.sorted()
        let missing = fixture.directory.appendingPathComponent("gone/gone.vmx").path
        let plan = try fixture.plan(names.map { fixture.vmEntry($0) } + ["{source: \"\(missing)\"}"])

        let validate = try FerryRun.run(["plan", "validate", plan] + fixture.serviceArguments)
        #expect(validate.status == 1)
        #expect(validate.standardOutput.contains("\(missing) does not exist"))
        #expect(!validate.standardOutput.contains(names[0]), "good VMs have no problems: \(validate.standardOutput)")

        let run = try FerryRun.run(["run", plan, "--json"] + fixture.serviceArguments)
        #expect(run.status == 1, "one job failed, so the run fails")
        #expect(run.standardError.hasSuffix("did not finish: gone failed\n"), "\(run.standardError.suffix(400))")
        let jobs = try fixture.jobs()
        #expect(jobs.count == 3)
        for name in names {
            let job = try #require(jobs.first { $0.name == name })
            #expect(job.state == .done)
            #expect(job.attempts == 1)
            #expect(try fixture.imageMatchesSource(vm: name, disk: 0))
            #expect(try fixture.imageMatchesSource(vm: name, disk: 1))
            let domain = try #require(try await Hypervisor(uri: TestEnvironment.libvirtURI).domain(named: name))
            #expect(try await !domain.isActive(), "defined, not started")
        }
        let failed = try #require(jobs.first { $0.name == "gone" })
        #expect(failed.state == .failed)
        #expect(failed.step == .inspect)
        #expect(failed.error?.contains(missing) == true)
        #expect(failed.attempts == 1, "a missing file is permanent: no retries")

        let show = try FerryRun.run(["jobs", "show", failed.id] + fixture.serviceArguments)
        #expect(show.status == 0)
        #expect(show.standardOutput.contains("state: failed at inspect"))
        let logs = try FerryRun.run(["jobs", "logs", jobs.first { $0.name == names[0] }!.id] + fixture.serviceArguments)
        #expect(logs.standardOutput.contains("verified"))
        #expect(logs.standardOutput.contains("defined on local"))
        // The cephx key went to libvirt through the API only: it is nowhere an admin or a log can see.
        let key = try Keyring(path: try fixture.cluster.keyringPath()).key(for: fixture.cluster.configuration.entityName)
        var visible = [run.standardOutput, run.standardError, show.standardOutput, logs.standardOutput]
        for job in jobs {
            visible.append(String(decoding: try #require(try fixture.store.context.readObject("ferry.job.\(job.id)")), as: UTF8.self))
        }
        let hypervisor = try Hypervisor(uri: TestEnvironment.libvirtURI)
        for name in names { await visible.append(try #require(try hypervisor.domain(named: name)).xml(inactive: true)) }
        for format in [[], ["--json"]] {
            let inspect = try FerryRun.run(["inspect", fixture.vms[names[0]]!] + format)
            visible += [inspect.standardOutput, inspect.standardError]
        }
        #expect(key.count > 20)
        #expect(!visible.contains { $0.contains(key) }, "the cephx key leaked")

        let logsJSON = try FerryRun.run(["jobs", "logs", failed.id, "--json"] + fixture.serviceArguments)
        let entries = try JSONSerialization.jsonObject(with: Data(logsJSON.standardOutput.utf8)) as? [[String: Any]]
        #expect(entries?.last?["message"] as? String == "failed in inspect: \(failed.error ?? "")")
        let list = try FerryRun.run(["jobs", "list", "--state", "failed", "--json"] + fixture.serviceArguments)
        let listed = try JSONSerialization.jsonObject(with: Data(list.standardOutput.utf8)) as? [[String: Any]]
        #expect(listed?.compactMap { $0["id"] as? String } == [failed.id])

        let unknown = try FerryRun.run(["jobs", "show", "0000-nope"] + fixture.serviceArguments)
        #expect(unknown.status == 1)
        #expect(unknown.standardError == "ferry: no job 0000-nope in the queue\n")
    }

    @Test("two workers on one queue share the plan and never run the same job", .timeLimit(.minutes(3)))
    func twoWorkers() async throws {
        // 4 MiB/s per host and 8 MiB per VM: each job runs for seconds, so both workers get work.
        var fixture = try JobFixture(extraConfig: "limits: {max_mib_per_second: 4}", slots: 1)
        defer { fixture.cleanUp() }
        for index in 0..<4 { try fixture.addVM(TestEnvironment.uniqueName("jobs-w\(index)"), dataMiB: 8) }
        let workers = try (0..<2).map { _ in try FerryProcess.start(["worker"] + fixture.serviceArguments) }
        defer { workers.forEach { $0.kill(); _ = $0.wait() } }
        let submit = try FerryRun.run(["submit", try fixture.plan(fixture.vms.keys.sorted().map { fixture.vmEntry($0) })] + fixture.serviceArguments)
        #expect(submit.status == 0, "\(submit.standardError)")
        #expect(submit.standardOutput.split(separator: "\n").count == 4)

        let jobs = try await fixture.waitFor("all jobs done", seconds: 120) { $0.count == 4 && $0.allSatisfy { $0.state.isFinal } }
        #expect(jobs.allSatisfy { $0.state == .done }, "\(jobs.map { "\($0.name): \($0.error ?? "")" })")
        var runners: Set<String> = []
        for summary in jobs {
            let job = try #require(try fixture.store.job(summary.id))
            let claims = job.log.filter { $0.message.hasPrefix("claimed by") || $0.message.hasPrefix("taken over by") }
            #expect(claims.count == 1, "\(job.spec.displayName) was claimed \(claims.count) times")
            #expect(job.attempts == 1)
            runners.insert(job.worker ?? "")
            #expect(try fixture.imageMatchesSource(vm: summary.name, disk: 0))
        }
        #expect(runners.count == 2, "both workers ran jobs: \(runners)")
    }

    @Test("kill -9 of a worker mid-import: another worker takes the job over after the lease lapses and resumes it",
          .timeLimit(.minutes(3)))
    func crashedWorkerIsTakenOver() async throws {
        let (fixture, name) = try JobFixture.slowSingleVM("jobs-crash", mibPerSecond: 4)
        defer { fixture.cleanUp() }

        let first = try FerryProcess.start(["worker"] + fixture.serviceArguments)
        let midway = try await fixture.waitFor("the import to be under way") {
            $0.first.map { $0.state == .running && $0.doneBytes > 0 && $0.doneBytes < $0.totalBytes } == true
        }
        first.kill()
        _ = first.wait()
        let crashedAt = Date()

        let second = try FerryProcess.start(["worker"] + fixture.serviceArguments)
        defer { second.kill(); _ = second.wait() }
        let jobs = try await fixture.waitFor("the job to finish", seconds: 90) { $0.first?.state.isFinal == true }
        let job = try #require(try fixture.store.job(jobs[0].id))
        #expect(job.state == .done, "\(job.error ?? "")")
        #expect(job.attempts == 2)
        #expect(job.log.contains { $0.message.contains("taken over by") })
        #expect(Date().timeIntervalSince(crashedAt) >= 5, "the lease (9 s) had to lapse first")
        #expect(midway[0].doneBytes > 0)
        #expect(try fixture.imageMatchesSource(vm: name, disk: 0))
        #expect(try fixture.imageMatchesSource(vm: name, disk: 1))
    }

    @Test("SIGTERM drains a worker: the job goes back to the queue with its lease released, the next worker resumes at once",
          .timeLimit(.minutes(3)))
    func drainOnTerminate() async throws {
        let (fixture, name) = try JobFixture.slowSingleVM("jobs-drain", mibPerSecond: 4)
        defer { fixture.cleanUp() }

        let first = try FerryProcess.start(["worker"] + fixture.serviceArguments)
        _ = try await fixture.waitFor("the import to be under way") { $0.first.map { $0.doneBytes > 0 } == true }
        first.terminate()
        let exit = first.wait()
        #expect(exit.status == 0, "\(exit.standardError.suffix(500))")
        let queued = try fixture.jobs()[0]
        #expect(queued.state == .queued)
        #expect(queued.attempts == 0, "a drained attempt is given back")
        #expect(try fixture.store.heldJobs(fixture.jobs()).isEmpty)
        let object = "ferry.job.\(queued.id)"
        #expect(try fixture.store.context.lockers(object, lock: "ferry.lease").isEmpty, "lease released")

        let drainedAt = Date()
        let second = try FerryProcess.start(["worker"] + fixture.serviceArguments)
        defer { second.kill(); _ = second.wait() }
        _ = try await fixture.waitFor("the job to be claimed again", seconds: 20) { $0.first?.state == .running }
        #expect(Date().timeIntervalSince(drainedAt) < 8, "no lease to wait for")
        let jobs = try await fixture.waitFor("the job to finish", seconds: 90) { $0.first?.state.isFinal == true }
        #expect(jobs[0].state == .done)
        let job = try #require(try fixture.store.job(jobs[0].id))
        #expect(job.log.contains { $0.message.contains("shut down; the job continues") })
        #expect(try fixture.imageMatchesSource(vm: name, disk: 0))
    }

    @Test("a cancelled job stops and says so; retry finishes it from its checkpoint", .timeLimit(.minutes(3)))
    func cancelAndRetry() async throws {
        let (fixture, name) = try JobFixture.slowSingleVM("jobs-cancel", mibPerSecond: 3)
        defer { fixture.cleanUp() }
        let worker = try FerryProcess.start(["worker"] + fixture.serviceArguments)
        defer { worker.kill(); _ = worker.wait() }
        let running = try await fixture.waitFor("the import to be under way") { $0.first.map { $0.doneBytes > 0 } == true }
        let id = running[0].id

        let cancel = try FerryRun.run(["jobs", "cancel", id] + fixture.serviceArguments)
        #expect(cancel.status == 0)
        #expect(cancel.standardOutput.contains("cancel requested"))
        let cancelled = try await fixture.waitFor("the cancel to take effect", seconds: 20) { $0.first?.state == .cancelled }
        #expect(cancelled[0].doneBytes < cancelled[0].totalBytes, "stopped mid-import")
        let job = try #require(try fixture.store.job(id))
        #expect(job.log.contains { $0.message.contains("cancelled by an admin during import") })
        #expect(try !fixture.store.cancelRequested(id), "the request was consumed")
        let image = try await fixture.cluster.ioContext(pool: TestEnvironment.pool).openImage("\(name)-disk0", readOnly: true)
        #expect(try await image.metadata("ferry.state") == "importing", "a cancelled import never looks finished")
        try await image.close()

        let again = try FerryRun.run(["jobs", "cancel", id] + fixture.serviceArguments)
        #expect(again.status == 1)
        #expect(again.standardError == "ferry: job \(id) is already cancelled\n")

        let retry = try FerryRun.run(["jobs", "retry", id] + fixture.serviceArguments)
        #expect(retry.status == 0, "\(retry.standardError)")
        let done = try await fixture.waitFor("the retried job to finish", seconds: 90) { $0.first?.state.isFinal == true }
        #expect(done[0].state == .done)
        let retried = try #require(try fixture.store.job(id))
        #expect(retried.log.contains { $0.message == "queued again by an admin" })
        #expect(try fixture.imageMatchesSource(vm: name, disk: 0))
    }
}

@Suite("copied VMs with one BIOS UUID", .serialized)
struct DuplicateUUIDTests {
    @Test("a second VM with the same uuid.bios is refused before its disks are copied", .timeLimit(.minutes(2)))
    func sameUUIDRefusedEarly() throws {
        var fixture = try JobFixture()
        defer { fixture.cleanUp() }
        let first = TestEnvironment.uniqueName("jobs-uuid-a")
        let copy = TestEnvironment.uniqueName("jobs-uuid-b")
        try fixture.addVM(first)
        try fixture.addVM(copy)
        // Make the copy carry the first VM's SMBIOS UUID, as a VMware folder copy does.
        let firstVMX = try String(contentsOfFile: fixture.vms[first]!, encoding: .utf8)
        let uuidLine = try #require(firstVMX.split(separator: "\n").first { $0.hasPrefix("uuid.bios") })
        let copyVMX = try String(contentsOfFile: fixture.vms[copy]!, encoding: .utf8)
            .split(separator: "\n").map { $0.hasPrefix("uuid.bios") ? uuidLine : $0 }.joined(separator: "\n")
        try copyVMX.write(toFile: fixture.vms[copy]!, atomically: true, encoding: .utf8)

        let run = try FerryRun.run(["run", try fixture.plan([fixture.vmEntry(first)], name: "first")] + fixture.serviceArguments)
        #expect(run.status == 0, "\(run.standardError.suffix(300))")
        let again = try FerryRun.run(["run", try fixture.plan([fixture.vmEntry(copy)], name: "copy")] + fixture.serviceArguments)
        #expect(again.status == 1)
        let failed = try #require(try fixture.jobs().first { $0.name == copy })
        #expect(failed.state == .failed)
        #expect(failed.step == .inspect, "refused before the import step")
        #expect(failed.error?.contains("already has domain \(first) with UUID") == true, "\(failed.error ?? "")")
        let pool = try fixture.cluster.ioContext(pool: TestEnvironment.pool)
        #expect(try !pool.imageExists("\(copy)-disk0"), "nothing was copied")
    }
}
