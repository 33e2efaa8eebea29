import Foundation
import Synchronization

/// Counters shared by the readers, the librbd completions and whoever reports progress.
public final class ImportProgress: Sendable {
    /// Bytes of allocated data the import has to cover (the sum of its chunks).
    public let totalBytes: UInt64
    /// Bytes of that data already covered by earlier runs (resume).
    public let resumedBytes: UInt64
    private let doneBytes = Atomic<UInt64>(0)
    private let writtenBytes = Atomic<UInt64>(0)
    private let started = ContinuousClock.now

    init(totalBytes: UInt64, resumedBytes: UInt64) {
        self.totalBytes = totalBytes
        self.resumedBytes = resumedBytes
    }

    func chunkCompleted(length: Int) { doneBytes.add(UInt64(length), ordering: .relaxed) }
    func bytesWritten(_ count: Int) { writtenBytes.add(UInt64(count), ordering: .relaxed) }

    /// A consistent-enough view for a progress bar or a JSON line.
    public struct Snapshot: Sendable, Codable {
        /// Allocated bytes covered so far, including resumed ones.
        public var doneBytes: UInt64
        public var totalBytes: UInt64
        /// Bytes actually sent to the cluster (zero runs inside data are skipped).
        public var writtenBytes: UInt64
        public var elapsedSeconds: Double
        /// Throughput of this run over allocated bytes.
        public var bytesPerSecond: Double
        public var etaSeconds: Double?

        public var fraction: Double { totalBytes == 0 ? 1 : Double(doneBytes) / Double(totalBytes) }

        public init(
            doneBytes: UInt64, totalBytes: UInt64, writtenBytes: UInt64, elapsedSeconds: Double, bytesPerSecond: Double,
            etaSeconds: Double?
        ) {
            self.doneBytes = doneBytes
            self.totalBytes = totalBytes
            self.writtenBytes = writtenBytes
            self.elapsedSeconds = elapsedSeconds
            self.bytesPerSecond = bytesPerSecond
            self.etaSeconds = etaSeconds
        }
    }

    public func snapshot() -> Snapshot {
        let done = doneBytes.load(ordering: .relaxed)
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let remaining = totalBytes - min(totalBytes, done + resumedBytes)
        return Snapshot(
            doneBytes: done + resumedBytes, totalBytes: totalBytes, writtenBytes: writtenBytes.load(ordering: .relaxed),
            elapsedSeconds: seconds, bytesPerSecond: rate, etaSeconds: rate > 0 ? Double(remaining) / rate : nil)
    }
}
