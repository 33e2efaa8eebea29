import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs the `ferry` executable as an admin would, capturing its exit status and output.
public struct FerryRun: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String

    /// Runs `ferry arguments…` to completion.
    public static func run(_ arguments: [String]) throws -> FerryRun {
        try FerryProcess.start(arguments).wait()
    }
}

/// A running `ferry` process, for tests that interrupt it (kill -9) mid-work.
public final class FerryProcess: Sendable {
    private let child: Spawn.Child

    private init(child: Spawn.Child) { self.child = child }

    public static func start(_ arguments: [String]) throws -> FerryProcess {
        FerryProcess(child: try Spawn.start([TestEnvironment.ferryBinary] + arguments))
    }

    public var isRunning: Bool { Spawn.isRunning(child) }

    public var pid: pid_t { child.pid }

    /// SIGKILL: no handler runs, exactly like a crash or a power cut of the importer host.
    public func kill() {
        _ = Glibc.kill(child.pid, SIGKILL)
    }

    /// SIGTERM: what a service manager sends to stop the process gracefully.
    public func terminate() {
        _ = Glibc.kill(child.pid, SIGTERM)
    }

    public func wait() -> FerryRun {
        let result = Spawn.wait(child)
        return FerryRun(
            status: result.status, standardOutput: String(decoding: result.output, as: UTF8.self),
            standardError: String(decoding: result.errors, as: UTF8.self))
    }
}
