import Foundation

/// Runs a command-line tool (qemu-img, rbd, ceph) for test set-up and oracles.
public enum Command {
    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `arguments[0]` (searched in PATH) and returns its standard output; throws with
    /// standard error when it exits non-zero.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        process.environment = merged
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Drain standard error on another thread so a chatty tool cannot fill that pipe and stall.
        let errorBox = ErrorOutput()
        let reader = Thread { errorBox.data = errors.fileHandleForReading.readDataToEndOfFile(); errorBox.done.signal() }
        reader.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        errorBox.done.wait()
        process.waitUntilExit()
        let stderrText = String(decoding: errorBox.data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failed(description: "\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(stderrText)")
        }
        return data
    }
}

private final class ErrorOutput: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
