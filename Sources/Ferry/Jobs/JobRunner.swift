import Ceph
import Foundation
import Libvirt
import Logging
import Synchronization

/// Runs one claimed job through its steps — inspect, import (with read-back verify),
/// register, start — keeping the lease alive and the record current while it works.
///
/// A heartbeat renews the lease every third of its duration, writes the job's progress
/// and looks for an admin's cancel request. The run ends one of five ways: done; failed
/// (or queued again with a backoff, for transient failures with attempts left); cancelled
/// on request; queued again at once when this worker shuts down (the next worker resumes
/// from the checkpoints); or silently, when the lease was lost to another worker.
final class JobRunner: Sendable {
    enum Outcome: Sendable, Equatable {
        case done, failed, retryLater, cancelled, requeued, leaseLost
    }

    /// Why the job's work was interrupted from outside.
    private enum Interruption: Sendable {
        case cancelRequested, leaseLost, shutdown
    }

    let lease: JobLease
    let environment: JobEnvironment
    let scheduler: JobScheduler
    let logger: Logger
    private let job: Mutex<Job>
    private let interruption = Mutex<Interruption?>(nil)
    /// Bytes each disk had reported, for the bytes-imported counter.
    private let reported = Mutex<[Int: UInt64]>([:])
    private let onImported: @Sendable (UInt64) -> Void

    init(
        lease: JobLease, job: Job, environment: JobEnvironment, scheduler: JobScheduler, logger: Logger,
        onImported: @escaping @Sendable (UInt64) -> Void = { _ in }
    ) {
        self.lease = lease
        self.environment = environment
        self.scheduler = scheduler
        self.logger = logger
        self.job = Mutex(job)
        self.onImported = onImported
    }

    var current: Job { job.withLock { $0 } }

    /// Every librados and libvirt call below runs as `BlockingWork`: a worker inside `ferry
    /// serve` shares the cooperative pool with the API's request handlers.
    func run() async -> Outcome {
        let work = Task { try await self.steps() }
        let heartbeat = Task { await self.beat(work: work) }
        let result = await withTaskCancellationHandler {
            await work.result
        } onCancel: {
            interrupt(.shutdown, work: work)
        }
        heartbeat.cancel()
        _ = await heartbeat.value
        return await BlockingWork.run {
            defer { self.lease.release() }
            return self.finish(result)
        }
    }

    // MARK: Steps

    private func steps() async throws {
        let spec = current.spec
        try await enter(.inspect, "inspecting \(spec.source)")
        let inventory = try await BlockingWork.run { try self.placementInventory(for: spec) }
        var request = try spec.migrationRequest(environment: environment, inventory: inventory)
        request.replace = current.registered
        let migration = VMMigration(cluster: environment.cluster, request: request)
        let prepared = try await BlockingWork.run { try migration.prepare() }
        try await update { job in
            job.node = prepared.node.name
            job.domain = prepared.definition.name
            job.disks = zip(prepared.inspection.disks, prepared.images).map { disk, image in
                JobDisk(slot: disk.slot, source: disk.path ?? "-", image: image.description)
            }
            job.note("placed on node \(prepared.node.name) as domain \(prepared.definition.name)")
            for note in prepared.notes { job.note(note) }
        }
        try Task.checkCancellation()

        try await enter(.importDisks, "importing \(prepared.images.count) disk(s) into \(prepared.images.map(\.description).joined(separator: ", "))")
        let results = try await migration.importDisks(prepared, window: environment.window) { index, snapshot in
            self.progress(disk: index, snapshot)
        }
        try await update { job in
            for (index, result) in results.enumerated() where index < job.disks.count {
                job.disks[index].verified = result.verified
                job.disks[index].doneBytes = job.disks[index].totalBytes
                job.disks[index].bytesPerSecond = 0
                if result.writtenBytes == 0, result.resumedFromOffset == result.capacity {
                    job.note("\(result.image): already imported from this source by an earlier attempt; reused, not copied again (digest \(result.digest))")
                } else {
                    job.note("\(result.image): \(result.allocatedBytes) allocated bytes imported and verified (digest \(result.digest))")
                }
            }
        }
        try Task.checkCancellation()

        try await enter(.register, "defining domain \(prepared.definition.name) on \(prepared.node.name)")
        let registration = try await BlockingWork.run { try migration.register(prepared) }
        try await update { job in
            job.registered = true
            job.note("domain \(registration.domainName) (uuid \(registration.uuid)) defined on \(prepared.node.name)")
        }
        if spec.start {
            try await enter(.start, "starting \(registration.domainName)")
            try await BlockingWork.run { try registration.domain.start() }
        }
    }

    /// The inventory placement may use: without nodes at their per-node limit.
    private func placementInventory(for spec: JobSpec) throws -> NodeInventory {
        guard spec.node == nil, scheduler.limits.perNode != nil else { return environment.inventory }
        let store = lease.store
        let summaries = try store.summaries().filter { $0.id != lease.id }
        let full = scheduler.fullNodes(in: summaries, held: try store.heldJobs(summaries))
        let open = environment.inventory.nodes.filter { !full.contains($0.name) }
        guard !open.isEmpty else {
            throw MigrationError(code: .noNodeFits, message: "every node is running its limit of \(scheduler.limits.perNode!) job(s)")
        }
        return try NodeInventory(nodes: open)
    }

    private func enter(_ step: JobStep, _ message: String) async throws {
        logger.info("\(message)", metadata: ["job": "\(lease.id)", "step": "\(step.rawValue)"])
        try await update { job in
            job.step = step
            job.note(message)
        }
    }

    /// Changes the record and writes it at once (fenced by the lease).
    private func update(_ change: @escaping @Sendable (inout Job) -> Void) async throws {
        try await BlockingWork.run {
            try self.job.withLock { job in
                change(&job)
                try self.lease.write(job)
            }
        }
    }

    private func progress(disk index: Int, _ snapshot: ImportProgress.Snapshot) {
        let delta: UInt64 = reported.withLock { seen in
            let previous = seen[index] ?? snapshot.doneBytes  // the first report includes resumed bytes
            seen[index] = snapshot.doneBytes
            return snapshot.doneBytes > previous ? snapshot.doneBytes - previous : 0
        }
        if delta > 0 { onImported(delta) }
        job.withLock { job in
            guard index < job.disks.count else { return }
            job.disks[index].totalBytes = snapshot.totalBytes
            job.disks[index].doneBytes = snapshot.doneBytes
            job.disks[index].bytesPerSecond = snapshot.bytesPerSecond
            // Once every byte is written the importer flushes and reads the image back.
            if job.step == .importDisks, job.disks.allSatisfy({ $0.totalBytes > 0 && $0.doneBytes >= $0.totalBytes }) {
                job.step = .verify
                job.note("all disks written; reading the images back to verify them")
            }
        }
    }

    // MARK: Heartbeat

    private func beat(work: Task<Void, any Error>) async {
        let interval = environment.leaseDuration / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: min(interval, .seconds(2)))
            if Task.isCancelled { return }
            let beat = await BlockingWork.run { () -> Result<Bool, any Error> in
                Result {
                    guard try self.lease.renew() else { throw JobStoreError(.leaseLost, "lease \(self.lease.id) lapsed") }
                    let cancel = try self.lease.store.cancelRequested(self.lease.id)
                    try self.job.withLock { try self.lease.write($0) }
                    return cancel
                }
            }
            switch beat {
            case .success(let cancelRequested):
                if cancelRequested { interrupt(.cancelRequested, work: work) }
            case .failure(let error as JobStoreError) where error.code == .leaseLost:
                interrupt(.leaseLost, work: work)
                return
            case .failure(let error):
                // A missed beat is not fatal: the lease outlives two of them.
                logger.warning("heartbeat failed: \(error)", metadata: ["job": "\(lease.id)"])
            }
        }
    }

    private func interrupt(_ reason: Interruption, work: Task<Void, any Error>) {
        let first = interruption.withLock { current in
            if current == nil { current = reason }
            return current == reason
        }
        if first { work.cancel() }
    }

    // MARK: Ending

    private func finish(_ result: Result<Void, any Error>) -> Outcome {
        let reason = interruption.withLock { $0 }
        if reason == .leaseLost {
            logger.warning("lease lost; another worker owns the job now", metadata: ["job": "\(lease.id)"])
            return .leaseLost
        }
        let outcome: Outcome
        do {
            outcome = try job.withLock { job -> Outcome in
                let outcome: Outcome
                job.disks = job.disks.map { var disk = $0; disk.bytesPerSecond = 0; return disk }
                switch (result, reason) {
                case (.success, _):
                    job.state = .done
                    job.step = nil
                    job.finishedAt = Date()
                    job.error = nil
                    job.note("done")
                    outcome = .done
                case (.failure, .cancelRequested?):
                    job.state = .cancelled
                    job.finishedAt = Date()
                    job.note("cancelled by an admin during \(job.step?.rawValue ?? "start"); images keep their checkpoints")
                    outcome = .cancelled
                case (.failure, .shutdown?):
                    // Not the job's fault: give the attempt back.
                    job.state = .queued
                    job.attempts = max(0, job.attempts - 1)
                    job.note("worker \(job.worker ?? "?") shut down; the job continues from its checkpoints on the next worker")
                    outcome = .requeued
                case (.failure(let error), _):
                    let text = String(describing: error)
                    job.error = text
                    if FailureKind.of(error) == .transient, job.attempts < job.maxAttempts {
                        let delay = environment.backoff(afterAttempt: job.attempts)
                        job.state = .queued
                        job.notBefore = Date().addingTimeInterval(Double(delay.components.seconds))
                        job.note("transient failure in \(job.step?.rawValue ?? "start"), retrying in \(delay.components.seconds) s: \(text)")
                        outcome = .retryLater
                    } else {
                        job.state = .failed
                        job.finishedAt = Date()
                        job.note("failed in \(job.step?.rawValue ?? "start"): \(text)")
                        outcome = .failed
                    }
                }
                try lease.write(job, clearCancel: outcome == .cancelled)
                return outcome
            }
        } catch {
            logger.error("could not record the end of the job: \(error)", metadata: ["job": "\(lease.id)"])
            return .leaseLost
        }
        let record = current
        logger.info(
            "job \(outcome)", metadata: ["job": "\(lease.id)", "state": "\(record.state.rawValue)", "error": "\(record.error ?? "")"])
        return outcome
    }
}
