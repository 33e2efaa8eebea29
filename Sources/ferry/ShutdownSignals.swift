import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT cancel the work instead of killing the process, so workers drain:
/// imports stop at a checkpoint, jobs go back to the queue, leases are released.
enum ShutdownSignals {
    static func runUntilSignalled(_ body: @escaping @Sendable () async -> Void) async throws {
        let work = Task { await body() }
        let sources = [SIGTERM, SIGINT].map { signalNumber -> any DispatchSourceSignal in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { work.cancel() }
            source.resume()
            return source
        }
        await work.value
        sources.forEach { $0.cancel() }
    }
}
