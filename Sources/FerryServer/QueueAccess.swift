import BlockingCalls
import Ferry

/// The job queue for request handlers. Every `JobStore` call is a synchronous librados round
/// trip, so it runs off the cooperative pool (`OffPool`). The queue is reached through
/// `JobQueue` so tests can put one in memory behind the same routes.
struct QueueAccess: Sendable {
    let store: any JobQueue

    func run<T: Sendable>(_ body: @escaping @Sendable (any JobQueue) throws -> T) async throws -> T {
        let store = store
        return try await OffPool.run { try body(store) }
    }

    /// Like `run`, but gives up waiting after `timeout`: librados blocks for as long as
    /// monitors or OSDs are unreachable, and a health check must answer anyway. The call
    /// itself goes on in the background.
    /// - Throws: `QueueTimeout`, or what `body` throws.
    func run<T: Sendable>(timeout: Duration, _ body: @escaping @Sendable (any JobQueue) throws -> T) async throws -> T {
        let store = store
        do {
            return try await OffPool.run(timeout: timeout) { try body(store) }
        } catch let error as OffPoolTimeout {
            throw QueueTimeout(timeout: error.timeout)
        }
    }
}

struct QueueTimeout: Error, CustomStringConvertible {
    var timeout: Duration
    var description: String { "the job queue did not answer within \(timeout)" }
}
