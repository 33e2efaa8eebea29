import Testing

@testable import Ferry

@Suite("throughput window")
struct ThroughputWindowTests {
    /// 4 MiB chunks completing every 2 s (a 2 MiB/s cap), the first at 0.1 s.
    @Test("paced chunks read at their pace, never above it; nothing is claimed before a second completion")
    func pacedChunks() {
        let start = ContinuousClock.now
        var window = ThroughputWindow()
        var done: UInt64 = 0
        var highest = 0.0
        for tick in 0..<300 {  // 30 s in 100 ms steps
            let now = start + .milliseconds(100 * tick)
            if tick % 20 == 1 {
                done += 4 << 20
                window.record(done: done, at: now)
            }
            let rate = window.rate(done: done, now: now)
            if tick < 21 { #expect(rate == 0, "one chunk is no rate yet (\(tick))") }
            highest = max(highest, rate)
        }
        #expect(highest <= Double(2 << 20) * 1.0001, "never above the pace: \(highest / 1_048_576) MiB/s")
        #expect(highest >= Double(2 << 20) * 0.99)
        #expect(window.rate(done: done, now: start + .seconds(29)) > Double(1 << 20) * 1.5)
    }

    @Test("writes that stop read as zero after the window, not as a slowly falling average")
    func stall() {
        let start = ContinuousClock.now
        var window = ThroughputWindow()
        for second in 0..<5 { window.record(done: UInt64(second + 1) * 100 << 20, at: start + .seconds(second)) }
        #expect(abs(window.rate(done: 500 << 20, now: start + .seconds(4)) - Double(100 << 20)) < 1)
        #expect(window.rate(done: 500 << 20, now: start + .seconds(15)) == 0)
    }

    @Test("a fast import keeps a bounded number of baselines and still measures its rate")
    func fastImport() {
        let start = ContinuousClock.now
        var window = ThroughputWindow()
        var done: UInt64 = 0
        for step in 0..<100_000 {  // 1 MiB every millisecond: 1000 MiB/s for 100 s
            done += 1 << 20
            window.record(done: done, at: start + .milliseconds(step))
        }
        let rate = window.rate(done: done, now: start + .milliseconds(99_999))
        #expect(abs(rate / Double(1 << 20) - 1000) < 15, "\(rate / 1_048_576) MiB/s")
    }
}
