import Dispatch

/// Runs synchronous librados, librbd and libvirt calls off Swift's cooperative pool: the one
/// place that does, for the Ceph and Libvirt modules and the engine above them.
///
/// Each such call holds its thread for a network round trip, or for as long as a monitor,
/// OSD or libvirtd does not answer. The cooperative pool has one thread per core (two on a
/// small importer host), so a few of them there stall every task of the process: the API's
/// request handlers, lease heartbeats, progress. The load test saw `GET /jobs` take 0.5 s
/// while `ferry serve`'s own worker created snapshots on both pool threads.
///
/// Not for the import's readers (`WorkerThreads` in the engine): those are a fixed number of
/// long-lived threads each looping over chunks for a whole import, with a small stack set on
/// purpose; a call here is one short C call, and Dispatch adds threads as such calls block.
public enum OffPool {
    /// Dispatch's pool grows threads as work blocks; the cooperative pool never does.
    static let queue = DispatchQueue(label: "ferry.blocking", attributes: .concurrent)

    /// Runs `body` on a Dispatch thread and resumes with its result. The error type is kept
    /// (`CephError`, `LibvirtError`, `Never`), so the Ceph and Libvirt façades stay typed.
    /// - Throws: what `body` throws.
    public static func run<T: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        let work = Work<Result<T, Failure>> { () -> Result<T, Failure> in
            do throws(Failure) { return .success(try body()) } catch { return .failure(error) }
        }
        let result = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: try! work.perform().get()) }
        }
        return try result.get()
    }

    /// Like `run`, but gives up waiting after `timeout`, for a caller that must answer anyway
    /// (a health check): librados blocks for as long as monitors or OSDs are unreachable.
    /// The call itself goes on in the background and its result is dropped.
    /// - Throws: `OffPoolTimeout` when `timeout` passes first, or what `body` throws.
    public static func run<T: Sendable>(
        timeout: Duration, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let work = Work(body)
        let pending = Pending<T>()
        return try await withCheckedThrowingContinuation { continuation in
            pending.set(continuation)
            queue.async { pending.resume(with: work.perform()) }
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            queue.asyncAfter(deadline: .now() + seconds) {
                pending.resume(with: .failure(OffPoolTimeout(timeout: timeout)))
            }
        }
    }

    /// Calls that must run one after another, in the order they were submitted, without
    /// their caller holding a lock across them (a job record written by the heartbeat and by
    /// the job's steps: the later write must land last).
    public final class Lane: Sendable {
        private let queue: DispatchQueue

        public init(label: String) {
            // Targeting the shared queue keeps one pool of threads for every blocking call.
            queue = DispatchQueue(label: label, target: OffPool.queue)
        }

        /// Runs `body` after every call submitted to this lane before it.
        /// - Throws: what `body` throws.
        public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
            let work = Work(body)
            return try await withCheckedThrowingContinuation { continuation in
                queue.async { continuation.resume(with: work.perform()) }
            }
        }
    }

    /// Holds the closure only until it has run, so what it captured (an image, a cluster)
    /// is released on the Dispatch thread before the caller resumes, never after: a last
    /// reference dropped there could otherwise tear down a connection while the caller's
    /// process is already exiting.
    fileprivate final class Work<T: Sendable>: @unchecked Sendable {
        private var body: (@Sendable () throws -> T)?
        init(_ body: @escaping @Sendable () throws -> T) { self.body = body }

        func perform() -> Result<T, any Error> {
            let body = self.body.take()!
            return Result { try body() }
        }
    }
}
