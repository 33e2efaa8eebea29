import Ferry
import Prometheus

/// The Prometheus families `GET /metrics` shows. Counters live here for the process's
/// lifetime; the job gauges are set from the queue's index at each scrape, so every
/// server sharing a queue reports the same numbers.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let importedBytes: Counter
    private let jobErrors: Counter
    private let importRate: Gauge
    private let queueUp: Gauge
    private let jobs: [JobState: Gauge]

    init() {
        importedBytes = registry.makeCounter(
            descriptor: Self.name(
                "imported_bytes", unit: "total", help: "Bytes written to RBD images by this process's worker."))
        jobErrors = registry.makeCounter(
            descriptor: Self.name(
                "job_errors", unit: "total",
                help:
                    "Job attempts seen ending in an error (failed, or queued again after a transient failure) since start."
            ))
        importRate = registry.makeGauge(
            descriptor: Self.name(
                "import", unit: "bytes_per_second", help: "Import throughput summed over the queue's running jobs."))
        queueUp = registry.makeGauge(
            descriptor: Self.name("queue_up", help: "1 when the job queue could be read at this scrape."))
        var jobs: [JobState: Gauge] = [:]
        for state in JobState.allCases {
            jobs[state] = registry.makeGauge(
                descriptor: Self.name("jobs", help: "Jobs in the queue by state."), labels: [("state", state.rawValue)])
        }
        self.jobs = jobs
    }

    /// `ferry_<metric>_<unit>`.
    private static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "ferry", metricName: metric, unitName: unit, helpText: help)
    }

    func recordImported(_ bytes: UInt64) { importedBytes.increment(by: Int64(clamping: bytes)) }

    func recordJobError() { jobErrors.increment() }

    /// `route` is the matched route template (never the raw path, whose ids would make a
    /// new series per job), or `unmatched`.
    func recordRequest(route: String, status: Int) {
        registry.makeCounter(
            descriptor: Self.name(
                "http_requests", unit: "total", help: "HTTP requests answered, by route template and status code."),
            labels: [("route", route), ("status", String(status))]
        ).increment()
    }

    /// The exposition text; `summaries` nil means the queue could not be read.
    func scrape(summaries: [JobSummary]?) -> [UInt8] {
        if let summaries {
            for state in JobState.allCases {
                jobs[state]?.set(Double(summaries.count { $0.state == state }))
            }
            importRate.set(summaries.filter { $0.state == .running }.reduce(0.0) { $0 + $1.bytesPerSecond })
        }
        queueUp.set(summaries == nil ? 0.0 : 1.0)
        return registry.emitToBuffer()
    }
}
