import Dispatch
import Ferry
import Synchronization

/// The job queue for request handlers. Every `JobStore` call is a synchronous librados round
/// trip, so it runs as `BlockingWork`, never on the cooperative pool. The queue is reached
/// through `JobQueue` so tests can put one in memory behind the same routes.
struct QueueAccess: Sendable {
    let store: any JobQueue

    func run<T: Sendable>(_ body: @escaping @Sendable (any JobQueue) throws -> T) async throws -> T {
        let store = store
        return try await BlockingWork.run { try body(store) }
    }

    /// Like `run`, but gives up waiting after `timeout`: librados blocks for as long as
    /// monitors or OSDs are unreachable, and a health check must answer anyway. The call
    /// itself goes on in the background.
    /// - Throws: `QueueTimeout`, or what `body` throws.
    func run<T: Sendable>(timeout: Duration, _ body: @escaping @Sendable (any JobQueue) throws -> T) async throws -> T {
        let store = store
        let pending = Pending<T>()
        return try await withCheckedThrowingContinuation { continuation in
            pending.continuation.withLock { $0 = continuation }
            BlockingWork.queue.async { pending.resume(with: Result { try body(store) }) }
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            BlockingWork.queue.asyncAfter(deadline: .now() + seconds) {
                pending.resume(with: .failure(QueueTimeout(timeout: timeout)))
            }
        }
    }

    /// A continuation resumed by whichever comes first.
    private final class Pending<T: Sendable>: Sendable {
        let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

        func resume(with result: Result<T, any Error>) {
            continuation.withLock { $0.take() }?.resume(with: result)
        }
    }
}

struct QueueTimeout: Error, CustomStringConvertible {
    var timeout: Duration
    var description: String { "the job queue did not answer within \(timeout)" }
}
