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
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
