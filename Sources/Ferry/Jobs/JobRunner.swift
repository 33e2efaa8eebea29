import BlockingCalls
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
    /// Held only to change or copy the record, never across its write: progress reports of
    /// the import's readers take it too.
    private let job: Mutex<Job>
    /// Orders the record's writes (steps, heartbeat, end) so the latest state lands last.
    private let writes: OffPool.Lane
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
        writes = OffPool.Lane(label: "ferry.job.\(lease.id)")
        self.onImported = onImported
    }

    var current: Job { job.withLock { $0 } }

    /// Every librados and libvirt call below runs off the cooperative pool (`OffPool`): a
    /// worker inside `ferry serve` shares that pool with the API's request handlers.
    func run() async -> Outcome {
        let result = await withTaskCancellationHandler {
            await withTaskGroup(of: Child.self) { group -> Result<Void, any Error> in
                group.addTask {
                    do {
                        try await self.steps()
                        return .steps(.success(()))
                    } catch {
                        return .steps(.failure(error))
                    }
                }
                group.addTask {
                    await self.beat()
                    return .heartbeat
                }
                var result: Result<Void, any Error> = .success(())
                for await child in group {
                    switch child {
                    case .steps(let outcome):
                        result = outcome
                        group.cancelAll()  // the heartbeat
                    case .heartbeat:
                        // It returns early only after interrupting: stop the steps.
                        if interruption.withLock({ $0 }) != nil { group.cancelAll() }
                    }
                }
                return result
            }
        } onCancel: {
            // Cancelling this task cancels both children; this says why.
            _ = interrupt(.shutdown)
        }
        let record = try? await writes.run { self.end(result) }
        let outcome = (record?.outcome) ?? .leaseLost
        if let job = record?.job {
            logger.info(
                "job \(outcome)", metadata: ["job": "\(lease.id)", "state": "\(job.state.rawValue)", "error": "\(job.error ?? "")"])
        }
        return outcome
    }

    /// What the two children of `run` come back with.
    private enum Child: Sendable {
        case steps(Result<Void, any Error>)
        case heartbeat
    }

    // MARK: Steps

    private func steps() async throws {
        let spec = current.spec
        try await enter(.inspect, "inspecting \(spec.source)")
        let inventory = try await OffPool.run { try self.placementInventory(for: spec) }
        var request = try spec.migrationRequest(environment: environment, inventory: inventory)
        request.replace = current.registered
        let migration = VMMigration(cluster: environment.cluster, request: request)
        let prepared = try await migration.prepare()
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

        if let note = try await migration.stopSource(prepared) {
            try await update { job in job.note(note) }
        }
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
        let registration = try await migration.register(prepared)
        try await update { job in
            job.registered = true
            job.note("domain \(registration.domainName) (uuid \(registration.uuid)) defined on \(prepared.node.name)")
        }
        if spec.start {
            try await enter(.start, "starting \(registration.domainName)")
            try await registration.domain.start()
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
        try await update { job in job.enter(step, message) }
    }

    /// Changes the record and writes it at once (fenced by the lease).
    private func update(_ change: @escaping @Sendable (inout Job) -> Void) async throws {
        job.withLock { change(&$0) }
        try await writes.run { try self.lease.write(self.current) }
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
            job.enterVerifyWhenWritten()
        }
    }

    // MARK: Heartbeat

    /// Renews the lease, writes the record and looks for a cancel request until cancelled;
    /// returns early after interrupting the job (cancel requested, lease lost).
    private func beat() async {
        let interval = environment.leaseDuration / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: min(interval, .seconds(2)))
            if Task.isCancelled { return }
            let beat: Result<Bool, any Error>
            do {
                beat = .success(try await writes.run {
                    guard try self.lease.renew() else { throw JobStoreError(.leaseLost, "lease \(self.lease.id) lapsed") }
                    let cancel = try self.lease.store.cancelRequested(self.lease.id)
                    try self.lease.write(self.current)
                    return cancel
                })
            } catch {
                beat = .failure(error)
            }
            switch beat {
            case .success(let cancelRequested):
                if cancelRequested, interrupt(.cancelRequested) { return }
            case .failure(let error as JobStoreError) where error.code == .leaseLost:
                _ = interrupt(.leaseLost)
                return
            case .failure(let error):
                // A missed beat is not fatal: the lease outlives two of them.
                logger.warning("heartbeat failed: \(error)", metadata: ["job": "\(lease.id)"])
            }
        }
    }

    /// Records why the job is interrupted; only the first reason counts.
    /// - Returns: true when `reason` is the one recorded.
    private func interrupt(_ reason: Interruption) -> Bool {
        interruption.withLock { current in
            if current == nil { current = reason }
            return current == reason
        }
    }

    // MARK: Ending

    /// Records how the run ended and gives the lease back; on the writes' lane, after both
    /// children of `run` have returned.
    private func end(_ result: Result<Void, any Error>) -> (outcome: Outcome, job: Job?) {
        defer { lease.release() }
        let reason = interruption.withLock { $0 }
        if reason == .leaseLost {
            logger.warning("lease lost; another worker owns the job now", metadata: ["job": "\(lease.id)"])
            return (.leaseLost, nil)
        }
        let outcome: Outcome = job.withLock { job in
            switch (result, reason) {
            case (.success, _):
                job.finishDone()
                return .done
            case (.failure, .cancelRequested?):
                job.finishCancelledOnRequest()
                return .cancelled
            case (.failure, .shutdown?):
                job.requeueAfterShutdown()
                return .requeued
            case (.failure(let error), _):
                let retry = FailureKind.of(error) == .transient && job.attempts < job.maxAttempts
                job.fail(String(describing: error), retryAfter: retry ? environment.backoff(afterAttempt: job.attempts) : nil)
                return retry ? .retryLater : .failed
            }
        }
        let record = current
        do {
            try lease.write(record, clearCancel: outcome == .cancelled)
        } catch {
            logger.error("could not record the end of the job: \(error)", metadata: ["job": "\(lease.id)"])
            return (.leaseLost, nil)
        }
        return (outcome, record)
    }
}
