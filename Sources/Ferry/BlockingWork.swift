import Dispatch

/// Runs synchronous librados, librbd and libvirt calls off Swift's cooperative pool.
///
/// Each such call holds its thread for a network round trip, or for as long as a monitor,
/// OSD or libvirtd does not answer. The cooperative pool has one thread per core (two on a
/// small importer host), so a few of them there stall every task of the process: the API's
/// request handlers, lease heartbeats, progress. The load test saw `GET /jobs` take 0.5 s
/// while `ferry serve`'s own worker created snapshots on both pool threads.
public enum BlockingWork {
    /// Dispatch's pool grows threads as work blocks; the cooperative pool never does.
    public static let queue = DispatchQueue(label: "ferry.blocking", attributes: .concurrent)

    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let work = Work(body)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: work.perform()) }
        }
    }

    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        try! await run { () throws -> T in body() }
    }

    /// Holds the closure only until it has run, so what it captured (an image, a cluster)
    /// is released on the Dispatch thread before the caller resumes, never after: a last
    /// reference dropped there could otherwise tear down a connection while the caller's
    /// process is already exiting.
    private final class Work<T: Sendable>: @unchecked Sendable {
        private var body: (@Sendable () throws -> T)?
        init(_ body: @escaping @Sendable () throws -> T) { self.body = body }

        func perform() -> Result<T, any Error> {
            let body = self.body.take()!
            return Result { try body() }
        }
    }
}
