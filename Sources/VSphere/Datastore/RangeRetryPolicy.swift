import VMwareConfig

/// How a datastore read rides out a busy or flaky host: HTTP 503 and 429 (ESXi's hostd
/// answers 503 when too many `/folder` requests run at once), 502/504 from a proxy, and
/// connections dropped or cut short are retried per range, waiting longer each time.
public struct RangeRetryPolicy: Sendable {
    /// Tries per range, the first included.
    public var attempts: Int
    /// The first wait; each later one doubles, up to `maximumDelay`.
    public var initialDelay: Duration
    public var maximumDelay: Duration

    public init(attempts: Int = 8, initialDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(10)) {
        self.attempts = attempts
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The wait before try `attempt` (1 = the first retry); a server's `Retry-After`, in
    /// seconds, is honoured up to `maximumDelay`.
    func delay(before attempt: Int, retryAfter: String?) -> Duration {
        if let retryAfter, let seconds = Int(retryAfter.trimmingSpaces()), seconds >= 0 {
            return min(.seconds(seconds), maximumDelay)
        }
        var delay = initialDelay
        for _ in 1..<max(attempt, 1) { delay = min(delay * 2, maximumDelay) }
        return delay
    }

    /// Statuses that mean "not now", not "no".
    static func isPassing(_ status: UInt) -> Bool { [429, 502, 503, 504].contains(status) }
}

