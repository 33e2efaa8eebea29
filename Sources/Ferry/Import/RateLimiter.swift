import Foundation
import Synchronization

/// Caps the bytes per second read and written by every import sharing one window, so a
/// migration wave can run beside production traffic. Reader threads block here (they are
/// dedicated threads, never the cooperative pool).
final class RateLimiter: Sendable {
    private let bytesPerSecond: Double
    /// The moment the bytes granted so far will have been "paid for" at the configured rate.
    private let nextFree = Mutex<ContinuousClock.Instant>(.now)

    init(bytesPerSecond: UInt64) {
        self.bytesPerSecond = Double(max(1, bytesPerSecond))
    }

    /// Waits until `bytes` more fit under the rate. No burst is granted after an idle
    /// period: the cap is what an admin promised the production traffic beside a wave, so it
    /// holds over every second, at the price of a pause lowering the average a little.
    func acquire(_ bytes: Int) {
        let cost = Duration.nanoseconds(Int64(Double(bytes) / bytesPerSecond * 1e9))
        let wait: Duration = nextFree.withLock { next in
            let now = ContinuousClock.now
            let start = max(next, now)
            next = start + cost
            return start > now ? start - now : .zero
        }
        if wait > .zero {
            let (seconds, attoseconds) = wait.components
            Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
        }
    }
}
