import Ceph
import Ferry
import Libvirt
import VMDK
import Foundation
import Testing
import VSphere

@Suite("job scheduling")
struct JobSchedulerTests {
    private func job(
        _ id: String, _ state: JobState = .queued, priority: Int = 50, node: String? = nil, datastore: String = "/ds1",
        sourceHost: String? = nil, notBefore: Date? = nil
    ) -> JobSummary {
        JobSummary(
            id: id, plan: "p", name: id, state: state, step: nil, priority: priority, node: node, datastore: datastore,
            sourceHost: sourceHost, attempts: 0, error: nil, notBefore: notBefore, updatedAt: Date(), totalBytes: 0, doneBytes: 0, bytesPerSecond: 0)
    }

    @Test("highest priority first, then oldest; finished and backing-off jobs are skipped")
    func order() {
        let scheduler = JobScheduler(limits: JobLimits())
        let jobs = [
            job("01", .done, priority: 99), job("02", priority: 10), job("03", priority: 60),
            job("04", priority: 60), job("05", priority: 95, notBefore: Date().addingTimeInterval(60)),
            job("06", .failed, priority: 99),
        ]
        #expect(scheduler.next(from: jobs, held: [])?.id == "03")
        #expect(scheduler.next(from: jobs, held: [], now: Date().addingTimeInterval(120))?.id == "05")
        #expect(scheduler.next(from: [job("01", .done)], held: []) == nil)
    }

    @Test("a running job whose lease lapsed is taken over before queued work; a held one is not")
    func orphansFirst() {
        let scheduler = JobScheduler(limits: JobLimits())
        let jobs = [job("01", priority: 90), job("02", .running, priority: 1)]
        #expect(scheduler.next(from: jobs, held: [])?.id == "02")
        #expect(scheduler.next(from: jobs, held: ["02"])?.id == "01")
    }

    @Test("limits count running jobs with a live lease, cluster-wide, per node and per datastore")
    func limits() {
        let running = [job("01", .running, node: "kvm1", datastore: "/a"), job("02", .running, node: "kvm2", datastore: "/b")]
        let held: Set<String> = ["01", "02"]
        let queued = [job("03", node: "kvm1", datastore: "/c"), job("04", node: nil, datastore: "/a"), job("05", node: "kvm3", datastore: "/d")]
        #expect(JobScheduler(limits: JobLimits(maxRunning: 2)).next(from: running + queued, held: held) == nil)
        #expect(JobScheduler(limits: JobLimits(maxRunning: 3)).next(from: running + queued, held: held)?.id == "03")
        #expect(JobScheduler(limits: JobLimits(perNode: 1)).next(from: running + queued, held: held)?.id == "04")
        #expect(JobScheduler(limits: JobLimits(perNode: 1, perDatastore: 1)).next(from: running + queued, held: held)?.id == "05")
        // A lapsed lease no longer counts against the limits.
        #expect(JobScheduler(limits: JobLimits(maxRunning: 2)).next(from: running + queued, held: ["01"])?.id == "02")
        #expect(JobScheduler(limits: JobLimits(perNode: 1)).fullNodes(in: running + queued, held: held) == ["kvm1", "kvm2"])
    }
}

extension JobSchedulerTests {
    @Test("per_source_host counts running jobs reading from one ESXi host or vCenter; local sources are not counted")
    func perSourceHost() {
        let running = [
            job("01", .running, sourceHost: "esx1"), job("02", .running, sourceHost: "esx1"),
            job("03", .running, sourceHost: "esx2"),
        ]
        let held: Set<String> = ["01", "02", "03"]
        let queued = [job("04", priority: 90, sourceHost: "esx1"), job("05", priority: 80, sourceHost: "esx2"), job("06")]
        let two = JobScheduler(limits: JobLimits(perSourceHost: 2))
        #expect(two.next(from: running + queued, held: held)?.id == "05", "esx1 is at its limit, esx2 is not")
        let one = JobScheduler(limits: JobLimits(perSourceHost: 1))
        #expect(one.next(from: running + queued, held: held)?.id == "06", "a local source is never held back")
        // A lapsed lease frees its host's place: 02's worker is gone, so only 01 reads from
        // esx1, and 02 itself is taken over first (its image is half written).
        #expect(two.next(from: running + queued, held: ["01", "03"])?.id == "02")
        #expect(two.next(from: running + queued + [job("07", .done, sourceHost: "esx1")], held: held)?.id == "05", "finished jobs do not count")
    }
}

@Suite("failure kinds")
struct FailureKindTests {
    @Test("outages are transient, bad input is permanent, also when wrapped")
    func kinds() {
        let outage = LibvirtError(code: .connectionFailed, operation: "define domain x", uri: "qemu+tcp://h/system", message: "End of file")
        #expect(FailureKind.of(outage) == .transient)
        #expect(FailureKind.of(MigrationError(code: .registrationFailed, message: "registering x failed", cause: MigrationError(code: .libvirt, message: "m", cause: outage))) == .transient)
        #expect(FailureKind.of(CephError(returnValue: -110, operation: "rbd write")) == .transient)
        #expect(FailureKind.of(CephError(returnValue: -28, operation: "rbd write")) == .transient, "space can be freed")
        #expect(FailureKind.of(CephError(returnValue: -13, operation: "rados connect")) == .permanent)
        #expect(FailureKind.of(VMDKError(.badTable, file: "x.vmdk", "grain table past end of file")) == .permanent)
        #expect(FailureKind.of(ImportError(.sourceChanged, "rbd/x holds an unfinished import of a different source")) == .permanent)
        #expect(FailureKind.of(LibvirtError(code: .invalidXML, operation: "define", uri: "u", message: "m")) == .permanent)
        #expect(FailureKind.of(VSphereError(.connectionFailed, "esx1: no answer")) == .transient)
        #expect(FailureKind.of(VSphereError(.timedOut, "guest did not shut down")) == .permanent, "the admin decides, not a retry")
        #expect(FailureKind.of(VSphereError(.loginFailed, "login refused")) == .permanent, "a retried wrong password locks accounts")
    }

    @Test("a full pool stays transient once explained as an ImportError: the job resumes after space is freed")
    func fullPool() {
        for errno in [ENOSPC, EDQUOT] {
            let full = ImportError(.poolFull, "rbd/x: the cluster refused the write", cause: CephError(returnValue: -Int(errno), operation: "rbd write"))
            #expect(FailureKind.of(full) == .transient)
        }
        #expect(FailureKind.of(ImportError(.poolFull, "no cause")) == .permanent, "only the cause tells an outage")
        #expect(FailureKind.of(JobStoreError(.busy, "job x is held")) == .transient)
        #expect(FailureKind.of(JobStoreError(.corrupt, "job x is not a valid record")) == .permanent)
    }
}
