import Foundation

/// Runs the `ferry` executable as an admin would, capturing its exit status and output.
public struct FerryRun: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String

    /// Runs `ferry arguments…` to completion.
    public static func run(_ arguments: [String]) throws -> FerryRun {
        let process = try FerryProcess.start(arguments)
        return process.wait()
    }
}

/// A running `ferry` process, for tests that interrupt it (kill -9) mid-work.
public final class FerryProcess: @unchecked Sendable {
    private let process: Process
    private let outputFile: URL
    private let errorFile: URL

    private init(process: Process, outputFile: URL, errorFile: URL) {
        self.process = process
        self.outputFile = outputFile
        self.errorFile = errorFile
    }

    /// Output goes to files, so a long-running process never blocks on a full pipe.
    public static func start(_ arguments: [String]) throws -> FerryProcess {
        let directory = try TestEnvironment.scratchDirectory()
        let outputFile = directory.appendingPathComponent("stdout")
        let errorFile = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.ferryBinary)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return FerryProcess(process: process, outputFile: outputFile, errorFile: errorFile)
    }

    public var isRunning: Bool { process.isRunning }

    /// SIGKILL: no handler runs, exactly like a crash or a power cut of the importer host.
    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
    }

    public func wait() -> FerryRun {
        process.waitUntilExit()
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: outputFile.deletingLastPathComponent())
        return FerryRun(status: process.terminationStatus, standardOutput: output, standardError: errors)
    }
}
