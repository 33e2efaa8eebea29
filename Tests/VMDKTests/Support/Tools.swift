import Foundation
import Testing

/// Runs qemu-img / qemu-io and other helpers; a failing tool fails the test with its stderr.
enum Tool {
    struct Failure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let stderr: String
        var description: String { "\(command) exited \(status): \(stderr)" }
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/" + executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                command: ([executable] + arguments).joined(separator: " "), status: process.terminationStatus,
                stderr: String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `qemu-img ARGS`, run inside `directory` so relative names in descriptors stay relative.
    @discardableResult
    static func qemuImg(_ arguments: [String], in directory: String? = nil) throws -> String {
        try run("qemu-img", arguments, in: directory)
    }

    /// `qemu-io -f vmdk -c CMD… IMAGE`.
    static func qemuIO(_ image: String, _ commands: [String], in directory: String? = nil) throws {
        var arguments = ["-f", "vmdk"]
        for command in commands { arguments += ["-c", command] }
        arguments.append(image)
        let output = try run("qemu-io", arguments, in: directory)
        if output.contains("failed") { throw Failure(command: "qemu-io \(commands)", status: 0, stderr: output) }
    }

    /// `qemu-img convert -O raw` of `image` (the oracle), as bytes.
    static func qemuRaw(_ image: String, scratch: Scratch, format: String = "vmdk") throws -> [UInt8] {
        let output = scratch.file("oracle-\(UUID().uuidString.prefix(8)).raw")
        try qemuImg(["convert", "-f", format, "-O", "raw", image, output])
        defer { try? FileManager.default.removeItem(atPath: output) }
        return try readFile(output)
    }

    /// sha1sum / sha256sum of a file, as an independent check of our digests.
    static func digest(_ tool: String, _ path: String) throws -> String {
        String(try run(tool, [path]).prefix { $0 != " " })
    }
}

/// Where the peer test data lives: `FERRY_PEER_DATA`, else `../shared/peer-data` from the
/// repository root (the data is read in place, never copied into the repository).
func peerData(_ relative: String) -> String {
    if let root = ProcessInfo.processInfo.environment["FERRY_PEER_DATA"] { return root + "/" + relative }
    let here = URL(fileURLWithPath: #filePath)  // <repo>/Tests/VMDKTests/Support/Tools.swift
    let repo = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return repo.deletingLastPathComponent().appendingPathComponent("shared/peer-data/" + relative).path
}
