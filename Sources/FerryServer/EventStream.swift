import Ferry
import Hummingbird
import ServiceLifecycle

/// `GET /api/v1/events`: server-sent events from the watcher's snapshots. On connect every
/// job is sent once; then, each second, the jobs whose summary changed (`event: job`) and
/// the jobs gone from the queue (`event: removed`), with a comment line as heartbeat so
/// proxies keep the connection open. Ends when the client goes away or the server stops.
struct EventStream: Sendable {
    static let heartbeat = Duration.seconds(10)

    let watcher: JobWatcher

    func response(to request: Request) -> Response {
        let watcher = watcher
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
            body: ResponseBody { writer in
                do {
                    // Cancels the loop as soon as the client closes its side of the connection.
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        try await Self.stream(from: watcher, to: &writer)
                    }
                } catch is CancellationError {
                    return
                }
                try await writer.finish(nil)
            })
    }

    private static func stream(from watcher: JobWatcher, to writer: inout any ResponseBodyWriter) async throws {
        // Browsers' EventSource reconnects after this many milliseconds.
        try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
        var sent: [String: JobSummary] = [:]
        var generation: UInt64 = 0
        var quiet = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let snapshot = watcher.snapshot
            if snapshot.generation != generation {
                generation = snapshot.generation
                let text = events(from: &sent, to: snapshot.jobs)
                if !text.isEmpty {
                    try await writer.write(ByteBuffer(string: text))
                    quiet = .now
                }
            }
            if ContinuousClock.now - quiet >= heartbeat {
                try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                quiet = .now
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// The events that bring a client holding `sent` up to `jobs`, and `sent` updated.
    static func events(from sent: inout [String: JobSummary], to jobs: [JobSummary]) -> String {
        var text = ""
        var current: Set<String> = []
        for job in jobs {
            current.insert(job.id)
            guard sent[job.id] != job else { continue }
            sent[job.id] = job
            text += "event: job\ndata: \(String(decoding: JobCoding.encode(job), as: UTF8.self))\n\n"
        }
        for id in sent.keys.sorted() where !current.contains(id) {
            sent[id] = nil
            text += "event: removed\ndata: \(String(decoding: JobCoding.encode(["id": id]), as: UTF8.self))\n\n"
        }
        return text
    }
}
