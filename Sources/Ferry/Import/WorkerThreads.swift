import Foundation

/// Runs blocking work (pread, inflate, synchronous librbd calls) on dedicated threads, so
/// it never occupies Swift concurrency's small cooperative pool (2 threads on 2 cores).
///
/// Kept apart from `OffPool` on purpose: these are a fixed number of long-lived threads, each
/// looping over chunks for a whole import (or verify) with a 1 MiB stack, whose count is the
/// `--readers` setting. Put on Dispatch's shared pool, a long import's readers would hold its
/// threads for hours and the pool would add threads for the short librados calls beside them
/// without bound; `OffPool` is for one short C call at a time.
enum WorkerThreads {
    /// Runs `body(index)` on `count` new threads and resumes when all have returned.
    static func run(count: Int, name: String, _ body: @escaping @Sendable (Int) -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let group = DispatchGroup()
            for index in 0..<count {
                group.enter()
                let thread = Thread {
                    body(index)
                    group.leave()
                }
                thread.name = "\(name)-\(index)"
                // Each reader holds at most one chunk on its stack; 1 MiB leaves room for inflate.
                thread.stackSize = 1 << 20
                thread.start()
            }
            group.notify(queue: .global()) { continuation.resume() }
        }
    }
}
