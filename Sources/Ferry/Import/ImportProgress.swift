import Foundation
import Synchronization

/// Counters shared by the readers, the librbd completions and whoever reports progress.
public final class ImportProgress: Sendable {
    /// What `doneBytes` and `totalBytes` count.
    public enum Measure: String, Sendable, Codable {
        /// Allocated bytes of the disk (its allocation map is known up front).
        case allocatedBytes
        /// Bytes of the source read and written through (a stream, whose allocation is
        /// only known once it was read to its end).
        case sourceBytes
    }

    /// Bytes the import has to cover; 0 when not known (a stream from a pipe).
    public let totalBytes: UInt64
    public let totalKnown: Bool
    public let measure: Measure
    /// Bytes of that total already covered by earlier runs (resume).
    public let resumedBytes: UInt64
    private let doneBytes = Atomic<UInt64>(0)
    private let writtenBytes = Atomic<UInt64>(0)
    private let dataBytes = Atomic<UInt64>(0)
    private let started = ContinuousClock.now
    private let recent = Mutex(ThroughputWindow())

    /// - Parameter totalBytes: nil when the total cannot be known in advance.
    init(totalBytes: UInt64?, resumedBytes: UInt64, measure: Measure = .allocatedBytes) {
        self.totalBytes = totalBytes ?? 0
        self.totalKnown = totalBytes != nil
        self.resumedBytes = resumedBytes
        self.measure = measure
    }

    /// Safe in librbd completions: an atomic add and a few microseconds under a lock.
    func chunkCompleted(length: Int) {
        let done = doneBytes.add(UInt64(length), ordering: .relaxed).newValue
        recent.withLock { $0.record(done: done, at: .now) }
    }
    func bytesWritten(_ count: Int) { writtenBytes.add(UInt64(count), ordering: .relaxed) }
    /// Allocated data read from the source (written now or by an earlier run).
    func dataCovered(_ count: Int) { dataBytes.add(UInt64(count), ordering: .relaxed) }
    /// The disk's allocated bytes seen so far: the total once the import is done.
    var coveredDataBytes: UInt64 { dataBytes.load(ordering: .relaxed) }

    /// A consistent-enough view for a progress bar or a JSON line.
    public struct Snapshot: Sendable, Codable {
        /// Bytes covered so far, including resumed ones, in `measure`.
        public var doneBytes: UInt64
        /// The total in `measure`; meaningless (and `null` in JSON) unless `totalKnown`.
        public var totalBytes: UInt64
        /// Bytes actually sent to the cluster (zero runs inside data are skipped).
        public var writtenBytes: UInt64
        public var elapsedSeconds: Double
        /// Throughput over the last ten seconds (``ThroughputWindow``), in `measure`; zero
        /// until two chunks have completed.
        public var bytesPerSecond: Double
        public var etaSeconds: Double?
        public var totalKnown: Bool
        public var measure: Measure

        /// Done over total; nil when the total is not known.
        public var fraction: Double? {
            guard totalKnown else { return nil }
            return totalBytes == 0 ? 1 : Double(doneBytes) / Double(totalBytes)
        }

        public init(
            doneBytes: UInt64, totalBytes: UInt64, writtenBytes: UInt64, elapsedSeconds: Double, bytesPerSecond: Double,
            etaSeconds: Double?, totalKnown: Bool = true, measure: Measure = .allocatedBytes
        ) {
            self.doneBytes = doneBytes
            self.totalBytes = totalBytes
            self.writtenBytes = writtenBytes
            self.elapsedSeconds = elapsedSeconds
            self.bytesPerSecond = bytesPerSecond
            self.etaSeconds = etaSeconds
            self.totalKnown = totalKnown
            self.measure = measure
        }

        private enum CodingKeys: String, CodingKey {
            case doneBytes, totalBytes, writtenBytes, elapsedSeconds, bytesPerSecond, etaSeconds, totalKnown, measure
        }

        /// An unknown total is written as `null`, never as a number a script could divide by.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(doneBytes, forKey: .doneBytes)
            try container.encode(totalKnown ? totalBytes : nil, forKey: .totalBytes)
            try container.encode(writtenBytes, forKey: .writtenBytes)
            try container.encode(elapsedSeconds, forKey: .elapsedSeconds)
            try container.encode(bytesPerSecond, forKey: .bytesPerSecond)
            try container.encode(etaSeconds, forKey: .etaSeconds)
            try container.encode(totalKnown, forKey: .totalKnown)
            try container.encode(measure, forKey: .measure)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            doneBytes = try container.decode(UInt64.self, forKey: .doneBytes)
            let total = try container.decodeIfPresent(UInt64.self, forKey: .totalBytes)
            totalBytes = total ?? 0
            writtenBytes = try container.decode(UInt64.self, forKey: .writtenBytes)
            elapsedSeconds = try container.decode(Double.self, forKey: .elapsedSeconds)
            bytesPerSecond = try container.decode(Double.self, forKey: .bytesPerSecond)
            etaSeconds = try container.decodeIfPresent(Double.self, forKey: .etaSeconds)
            totalKnown = try container.decodeIfPresent(Bool.self, forKey: .totalKnown) ?? (total != nil)
            measure = try container.decodeIfPresent(Measure.self, forKey: .measure) ?? .allocatedBytes
        }
    }

    public func snapshot() -> Snapshot {
        let done = doneBytes.load(ordering: .relaxed)
        let now = ContinuousClock.now
        let elapsed = started.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = recent.withLock { $0.rate(done: done, now: now) }
        let remaining = totalBytes - min(totalBytes, done + resumedBytes)
        return Snapshot(
            doneBytes: done + resumedBytes, totalBytes: totalBytes, writtenBytes: writtenBytes.load(ordering: .relaxed),
            elapsedSeconds: seconds, bytesPerSecond: rate,
            etaSeconds: totalKnown && rate > 0 ? Double(remaining) / rate : nil, totalKnown: totalKnown,
            measure: measure)
    }
}
