import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts programs with posix_spawn and reaps them with waitpid.
///
/// Foundation's `Process` relies on a SIGCHLD watcher that was seen to miss a child's exit
/// in a process that also hosts librados threads (the test hung on a zombie); plain
/// waitpid on a known pid cannot miss it. Output goes to files, never pipes, so a daemon
/// started by the child (ceph-up.sh) can never hold the reader open.
public enum Spawn {
    public struct Child: Sendable {
        public let pid: pid_t
        public let outputFile: String
        public let errorFile: String
    }

    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Child {
        let scratch = try TestEnvironment.scratchDirectory().path
        let outputFile = "\(scratch)/stdout"
        let errorFile = "\(scratch)/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp)
        guard result == 0 else {
            throw Command.Failed(description: "cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return Child(pid: pid, outputFile: outputFile, errorFile: errorFile)
    }

    /// Waits for the child and returns (exit status, stdout, stderr); a signal death is 128+signal.
    public static func wait(_ child: Child) -> (status: Int32, output: Data, errors: Data) {
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let output = FileManager.default.contents(atPath: child.outputFile) ?? Data()
        let errors = FileManager.default.contents(atPath: child.errorFile) ?? Data()
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: child.outputFile).deletingLastPathComponent().path)
        return (exitStatus, output, errors)
    }

    /// Whether the child is still running (reaps it if it has exited — call `wait` afterwards
    /// only while this returned true).
    public static func isRunning(_ child: Child) -> Bool {
        kill(child.pid, 0) == 0 && !isZombie(child.pid)
    }

    private static func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }
}
