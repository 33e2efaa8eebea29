import Foundation
import FerryBasics
import Hashing

#if canImport(Glibc)
    import Glibc
#endif

/// What a token may do. `admin` includes everything `read` may.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case read, admin

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs == .read && rhs == .admin }
}

/// One line of the token file: `ROLE NAME SHA256HEX [EXPIRES]`. Only the SHA-256 of the
/// token is kept, so the file (or a backup of it) does not give access to the API.
public struct TokenEntry: Sendable, Hashable {
    public var role: Role
    /// Who holds the token; it names the caller in logs, the token itself never appears.
    public var name: String
    public var digest: [UInt8]
    public var expires: Date?

    public init(role: Role, name: String, digest: [UInt8], expires: Date? = nil) {
        self.role = role
        self.name = name
        self.digest = digest
        self.expires = expires
    }

    /// The line as `ferry token create` appends it.
    public var line: String {
        ([role.rawValue, name, digest.hexString] + (expires.map { [TokenFile.formatDate($0)] } ?? [])).joined(
            separator: " ")
    }
}

/// The token file, read whole: blank lines and `#` comments are allowed, anything else must
/// be a valid entry, so a typo cannot silently lock an admin out or let a token in.
struct TokenFile: Sendable {
    public var path: String
    public var entries: [TokenEntry]

    /// Reads and parses the file.
    /// - Throws: `ServerError.tokenFile` naming the file (and line) for an unreadable file or a bad line.
    public init(path: String) throws(ServerError) {
        func unreadable(_ reason: String) -> ServerError {
            ServerError(.tokenFile, "cannot read the token file \(path): \(reason)")
        }
        let bytes: [UInt8]
        do throws(WholeFile.Failure) {
            bytes = try WholeFile.read(path)
        } catch {
            throw unreadable(error.description)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw unreadable("not UTF-8 text") }
        try self.init(text: text, path: path)
    }

    public init(text: String, path: String) throws(ServerError) {
        self.path = path
        entries = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            do {
                entries.append(try Self.entry(line))
            } catch {
                throw ServerError(.tokenFile, "\(path):\(index + 1): \(error.message)")
            }
        }
    }

    /// The entry of one line; the message says which field is wrong.
    static func entry(_ line: String) throws(ServerError) -> TokenEntry {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard (3...4).contains(fields.count) else {
            throw ServerError(.tokenFile, "expected ROLE NAME SHA256HEX [EXPIRES], found \(fields.count) field(s)")
        }
        guard let role = Role(rawValue: fields[0]) else {
            throw ServerError(.tokenFile, "role \"\(fields[0])\" is not read or admin")
        }
        try checkName(fields[1])
        guard let digest = hexBytes(fields[2]), digest.count == 32 else {
            throw ServerError(.tokenFile, "\"\(fields[2].prefix(80))\" is not a SHA-256 in hex (64 characters)")
        }
        var expires: Date?
        if fields.count == 4 {
            guard let date = parseDate(fields[3]) else {
                throw ServerError(
                    .tokenFile,
                    "expiry \"\(fields[3].prefix(40))\" is not an ISO 8601 time such as 2027-01-31T00:00:00Z")
            }
            expires = date
        }
        return TokenEntry(role: role, name: fields[1], digest: digest, expires: expires)
    }

    /// Names are single words of letters, digits and `._@-` (they appear in logs and job notes).
    static func checkName(_ name: String) throws(ServerError) {
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._@-".unicodeScalars.contains($0))
        }
        guard !name.isEmpty, name.count <= 64, allowed else {
            throw ServerError(.invalidToken, "token name \"\(name.prefix(80))\" must be 1…64 letters, digits or ._@-")
        }
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    static func formatDate(_ date: Date) -> String { Date.ISO8601FormatStyle().format(date) }

    static func parseDate(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle().parse(text))
            ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
    }

    /// Whether group or others may read the file (it holds no tokens, but names and roles;
    /// and its digests allow offline guessing of weak hand-made tokens).
    public static func isExposed(path: String) -> Bool {
        let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber
        return (mode?.intValue ?? 0) & 0o044 != 0
    }
}
