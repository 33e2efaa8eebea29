/// The current rate of an import: bytes completed over the last ten seconds, measured from
/// a completion rather than from the start.
///
/// A chunk's bytes count when its writes complete, so "bytes done / time since start"
/// credits the first chunk with no time at all: under a 2 MiB/s cap, 4 MiB chunks read as
/// 7 MiB/s after one second and were still above 2.5 MiB/s after ten. Measuring from the
/// oldest completion still in the window gives the rate the chunks actually arrived at,
/// and falls to zero when writes stop (an OSD down), instead of decaying over the run.
struct ThroughputWindow: Sendable {
    static let span: Duration = .seconds(10)
    /// Baselines closer together than this are not kept, so a fast import records at most
    /// a hundred of them per window.
    static let resolution: Duration = .milliseconds(100)

    private var baselines: [(at: ContinuousClock.Instant, done: UInt64)] = []

    /// Notes that `done` bytes in all were complete at `instant`.
    mutating func record(done: UInt64, at instant: ContinuousClock.Instant) {
        if let last = baselines.last, instant - last.at < Self.resolution { return }
        baselines.append((instant, done))
        let horizon = instant - Self.span
        if let keep = baselines.firstIndex(where: { $0.at >= horizon }), keep > 0 {
            baselines.removeFirst(keep)
        }
    }

    /// Shorter spans are not measured: two completions a few milliseconds apart say
    /// nothing about a rate.
    static let shortestSpan: Duration = .seconds(1)

    /// Bytes per second from the oldest completion within the window to `now`; zero until
    /// that completion is a second old and another one followed it, and zero after ten
    /// idle seconds.
    func rate(done: UInt64, now: ContinuousClock.Instant) -> Double {
        guard let first = baselines.first(where: { $0.at >= now - Self.span }), done > first.done,
            now - first.at >= Self.shortestSpan
        else { return 0 }
        let elapsed = now - first.at
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(done - first.done) / seconds : 0
    }
}
