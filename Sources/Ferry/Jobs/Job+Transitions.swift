import Foundation

/// Every change of a job's state, in one place: what the claim, the worker's steps, the end
/// of a run and an admin's cancel or retry do to the record. Callers decide when (under
/// which lease) and write the result; these only say what changes.
extension Job {
    /// A worker took the job: from the queue, or over from a worker whose lease lapsed.
    mutating func claim(by worker: String, now: Date = Date()) {
        let takeover = state == .running
        attempts += 1
        note(
            takeover
                ? "taken over by \(worker) after the lease of \(self.worker ?? "its worker") lapsed (attempt \(attempts))"
                : "claimed by \(worker) (attempt \(attempts) of \(maxAttempts))",
            at: now)
        state = .running
        self.worker = worker
        startedAt = startedAt ?? now
        notBefore = nil
    }

    /// The running worker moves on to `step`.
    mutating func enter(_ step: JobStep, _ message: String) {
        self.step = step
        note(message)
    }

    /// Once every byte is written the importer flushes and reads the images back.
    mutating func enterVerifyWhenWritten() {
        if step == .importDisks, disks.allSatisfy({ $0.totalBytes > 0 && $0.doneBytes >= $0.totalBytes }) {
            step = .verify
            note("all disks written; reading the images back to verify them")
        }
    }

    /// Every step ran.
    mutating func finishDone(now: Date = Date()) {
        stopDiskRates()
        state = .done
        step = nil
        finishedAt = now
        error = nil
        note("done")
    }

    /// The worker stopped the job on an admin's cancel request.
    mutating func finishCancelledOnRequest(now: Date = Date()) {
        stopDiskRates()
        state = .cancelled
        finishedAt = now
        note("cancelled by an admin during \(step?.rawValue ?? "start"); images keep their checkpoints")
    }

    /// The worker shut down: not the job's fault, so the attempt is given back.
    mutating func requeueAfterShutdown() {
        stopDiskRates()
        state = .queued
        attempts = max(0, attempts - 1)
        note("worker \(worker ?? "?") shut down; the job continues from its checkpoints on the next worker")
    }

    /// A step failed. With `retryAfter`, the failure was transient and attempts are left:
    /// the job waits that long in the queue; otherwise it has failed.
    mutating func fail(_ text: String, retryAfter delay: Duration?, now: Date = Date()) {
        stopDiskRates()
        error = text
        if let delay {
            state = .queued
            notBefore = now.addingTimeInterval(Double(delay.components.seconds))
            note("transient failure in \(step?.rawValue ?? "start"), retrying in \(delay.components.seconds) s: \(text)")
        } else {
            state = .failed
            finishedAt = now
            note("failed in \(step?.rawValue ?? "start"): \(text)")
        }
    }

    /// An admin cancelled a job no worker holds.
    mutating func cancelByAdmin(now: Date = Date()) {
        state = .cancelled
        finishedAt = now
        note("cancelled by an admin" + (disks.isEmpty ? "" : "; images keep their import checkpoint"))
    }

    /// An admin queued a failed or cancelled job again, with a fresh set of attempts.
    mutating func requeueByAdmin() {
        state = .queued
        attempts = 0
        error = nil
        notBefore = nil
        finishedAt = nil
        note("queued again by an admin")
    }

    /// A job that is not running transfers nothing.
    private mutating func stopDiskRates() {
        disks = disks.map { var disk = $0; disk.bytesPerSecond = 0; return disk }
    }
}
