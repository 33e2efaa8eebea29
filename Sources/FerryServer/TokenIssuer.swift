import Foundation
import FerryBasics
import Hashing

#if canImport(Glibc)
    import Glibc
#endif

/// `ferry token create`: a new random token whose SHA-256 is appended to the token file.
public enum TokenIssuer {
    public struct Issued: Sendable {
        /// The token, shown once; only its digest is stored.
        public var token: String
        public var entry: TokenEntry
        /// The file already existed with group or world read permission.
        public var fileIsExposed: Bool
    }

    /// Creates a token and appends its line, creating the file with mode 0600.
    /// - Parameter expiresInDays: lifetime; nil for a token that does not expire.
    /// - Throws: `ServerError` for a bad name or lifetime, a name already in the file, or a
    ///   file that cannot be read or written.
    public static func create(role: Role, name: String, file: String, expiresInDays: Int?, now: Date = Date())
        throws(ServerError) -> Issued
    {
        try TokenFile.checkName(name)
        if let days = expiresInDays, !(1...3650).contains(days) {
            throw ServerError(.invalidToken, "--expires must be 1…3650 days, not \(days)")
        }
        let exists = FileManager.default.fileExists(atPath: file)
        if exists {
            let current = try TokenFile(path: file)
            if current.entries.contains(where: { $0.name == name }) {
                throw ServerError(
                    .invalidToken, "\(file) already has a token named \(name); choose another name or remove its line")
            }
        }
        let token = randomToken()
        let digest = Array(token.utf8).withUnsafeBytes { StreamingHash.digest(.sha256, of: $0) }
        // Whole seconds: the file is edited by hand too.
        let expires = expiresInDays.map {
            Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Double($0) * 86400).rounded(.down))
        }
        let entry = TokenEntry(role: role, name: name, digest: digest, expires: expires)
        try append(entry.line, to: file)
        return Issued(token: token, entry: entry, fileIsExposed: TokenFile.isExposed(path: file))
    }

    /// 32 bytes from the system's CSPRNG (getrandom), base64url without padding: 43 characters.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// O_APPEND, so two admins adding tokens at once do not overwrite each other's line;
    /// O_CREAT with 0600, so a new file is never readable by others, even for a moment.
    private static func append(_ line: String, to file: String) throws(ServerError) {
        let descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ServerError(.tokenFile, "cannot open the token file \(file): \(errnoDescription(errno))")
        }
        defer { close(descriptor) }
        var text = line + "\n"
        if lseek(descriptor, 0, SEEK_END) > 0, !endsWithNewline(file) { text = "\n" + text }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw ServerError(.tokenFile, "cannot write the token file \(file): \(errnoDescription(errno))")
        }
    }

    private static func endsWithNewline(_ file: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: file) else { return true }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end > 0 else { return true }
        try? handle.seek(toOffset: end - 1)
        return (try? handle.read(upToCount: 1)) == Data([0x0A])
    }
}
