import Foundation
import Hashing
import TestSupport
import Testing

/// What `ferry serve` refuses before it listens, and `ferry token create`.
@Suite("ferry serve start-up and ferry token")
struct StartupTests {
    /// A configuration file in a scratch folder; the server must refuse it without connecting.
    private func refusal(_ yaml: String) throws -> FerryRun {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("ferry.yaml").path
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        return try FerryRun.run(["serve", "--config", config])
    }

    @Test("a non-loopback listen address without allow_insecure_listen is refused in one line")
    func insecureListen() throws {
        let run = try refusal("server: {listen: 0.0.0.0:0, token_file: /nonexistent/tokens}\n")
        #expect(run.status == 1)
        let lines = run.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(run.standardError)")
        #expect(run.standardError.hasPrefix("ferry: "))
        #expect(run.standardError.contains("0.0.0.0:0 is not a loopback address"))
        #expect(run.standardError.contains("TLS"))
        #expect(run.standardError.contains("allow_insecure_listen: true"))
        #expect(run.standardOutput.isEmpty, "nothing listened")
    }

    @Test("a server without a token file, or with a malformed one, does not start")
    func tokenFileRequired() throws {
        let none = try refusal("server: {listen: 127.0.0.1:0}\n")
        #expect(none.status == 1)
        #expect(none.standardError.contains("server.token_file is not set"))
        #expect(none.standardError.contains("ferry token create"))

        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokens = directory.appendingPathComponent("tokens").path
        try "# tokens\nadmin alice 1234\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        chmod(tokens, 0o600)
        let bad = try refusal("server: {listen: 127.0.0.1:0, token_file: \(tokens)}\n")
        #expect(bad.status == 1)
        #expect(bad.standardError == "ferry: \(tokens):2: \"1234\" is not a SHA-256 in hex (64 characters)\n")
    }

    @Test("token create prints a random token once and stores only its SHA-256, in a 0600 file")
    func tokenCreate() throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("tokens").path
        let first = try FerryRun.run(["token", "create", "--role", "admin", "--name", "alice", "--file", file])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardError.isEmpty)
        let token = first.standardOutput.trimmingCharacters(in: .newlines)
        #expect(token.count == 43, "32 bytes in base64url")
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let digest = Array(token.utf8).withUnsafeBytes { StreamingHash.digest(.sha256, of: $0) }.hexString
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "admin alice \(digest)\n")

        let second = try FerryRun.run([
            "token", "create", "--role", "read", "--name", "bob", "--file", file, "--expires", "30",
        ])
        #expect(second.status == 0)
        #expect(second.standardOutput.trimmingCharacters(in: .newlines) != token)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let fields = lines[1].split(separator: " ")
        #expect(fields.count == 4 && fields[0] == "read" && fields[1] == "bob")
        let expires = try Date.ISO8601FormatStyle().parse(String(fields[3]))
        #expect(abs(expires.timeIntervalSinceNow - 30 * 86400) < 120)

        let duplicate = try FerryRun.run(["token", "create", "--role", "read", "--name", "bob", "--file", file])
        #expect(duplicate.status == 1)
        #expect(duplicate.standardError.contains("already has a token named bob"))
        #expect(duplicate.standardOutput.isEmpty, "no token is printed when none is stored")

        chmod(file, 0o644)
        let exposed = try FerryRun.run(["token", "create", "--role", "read", "--name", "carol", "--file", file])
        #expect(exposed.status == 0)
        #expect(exposed.standardError.contains("readable by group or others"))
        #expect(!exposed.standardError.contains(exposed.standardOutput.trimmingCharacters(in: .newlines)))
    }
}
