import Foundation
import Hashing
import Logging
import Synchronization

/// Who made a request, once its bearer token matched an entry of the token file.
struct Principal: Sendable, Hashable {
    var name: String
    var role: Role
}

/// Checks bearer tokens against the token file. The file is read again when it changes
/// (`ferry token create` on a running server takes effect at once); a file that became
/// malformed keeps the previous tokens in force and is reported in the log.
final class TokenAuthenticator: Sendable {
    enum Outcome: Sendable, Equatable {
        case valid(Principal)
        case expired(name: String)
        case unknown
    }

    private struct Loaded {
        var entries: [TokenEntry]
        var stamp: Stamp
    }

    /// What tells that the file changed: its modification time (nanoseconds) and size.
    private struct Stamp: Equatable {
        var modified: Date?
        var size: Int?

        init(_ path: String) {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            modified = attributes?[.modificationDate] as? Date
            size = (attributes?[.size] as? NSNumber)?.intValue
        }
    }

    let path: String
    private let loaded: Mutex<Loaded>
    private let logger: Logger

    /// - Throws: `ServerError.tokenFile` when the file cannot be read or has a bad line.
    init(path: String, logger: Logger) throws(ServerError) {
        self.path = path
        self.logger = logger
        let stamp = Stamp(path)
        loaded = Mutex(Loaded(entries: try TokenFile(path: path).entries, stamp: stamp))
    }

    /// Matches `token` against every entry in constant time per entry (no early exit on
    /// the first differing byte, no early exit on the first match), so response times do
    /// not tell how much of a guess was right.
    func authenticate(_ token: String, now: Date = Date()) -> Outcome {
        let digest = Array(token.utf8).withUnsafeBytes { StreamingHash.digest(.sha256, of: $0) }
        var match: TokenEntry?
        for entry in currentEntries() {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
            if difference == 0 && match == nil { match = entry }
        }
        guard let match else { return .unknown }
        if let expires = match.expires, expires <= now { return .expired(name: match.name) }
        return .valid(Principal(name: match.name, role: match.role))
    }

    private func currentEntries() -> [TokenEntry] {
        let stamp = Stamp(path)
        return loaded.withLock { loaded in
            guard stamp != loaded.stamp else { return loaded.entries }
            loaded.stamp = stamp
            do {
                loaded.entries = try TokenFile(path: path).entries
                logger.info("token file reloaded", metadata: ["file": "\(path)", "tokens": "\(loaded.entries.count)"])
            } catch {
                logger.error("token file not reloaded, the previous tokens stay in force: \(error)")
            }
            return loaded.entries
        }
    }
}
