import BlockingCalls
import Ferry

/// The job store for request handlers. Every JobStore call is a synchronous librados round
/// trip, so it runs off the cooperative pool (`OffPool`).
struct QueueAccess: Sendable {
    let store: JobStore

    func run<T: Sendable>(_ body: @escaping @Sendable (JobStore) throws -> T) async throws -> T {
        let store = store
        return try await OffPool.run { try body(store) }
    }

    /// Like `run`, but gives up waiting after `timeout`: librados blocks for as long as
    /// monitors or OSDs are unreachable, and a health check must answer anyway. The call
    /// itself goes on in the background.
    /// - Throws: `QueueTimeout`, or what `body` throws.
    func run<T: Sendable>(timeout: Duration, _ body: @escaping @Sendable (JobStore) throws -> T) async throws -> T {
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
