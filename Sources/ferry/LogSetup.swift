import Logging
import Synchronization

/// Service verbs log through swift-log to stderr (stdout stays for results and `--json`).
/// Bootstrapping twice is a crash in swift-log, so every verb goes through here.
enum LogSetup {
    private static let done = Mutex(false)

    static func bootstrap(level: Logger.Level = .info) {
        done.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
