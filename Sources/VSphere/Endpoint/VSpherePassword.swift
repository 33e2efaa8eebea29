import FerryBasics

#if canImport(Glibc)
    import Glibc
#endif

/// A vSphere password. It only ever comes from a file or an environment variable (never a
/// command-line argument, which `ps` shows to every user), and it has no readable
/// description: printing one, or a value holding one, shows `<hidden>`.
public struct VSpherePassword: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself, for the one place that sends it (`Login`).
    let value: String

    init(_ value: String) { self.value = value }

    /// Stands in for a password not read yet, to check an endpoint's other settings.
    package static let placeholder = VSpherePassword("")

    public var description: String { "<hidden>" }
    public var debugDescription: String { "<hidden>" }

    /// Reads the password from `path`: its first line, without the line break (the way
    /// `echo secret > file` writes it). A file others may read is used, with `warning` set:
    /// refusing would break set-ups that keep it in a directory only root can enter.
    /// - Throws: `VSphereError.invalidEndpoint` naming the file when it cannot be read or is empty.
    public static func fromFile(_ path: String) throws(VSphereError) -> (password: VSpherePassword, warning: String?) {
        let bytes: [UInt8]
        do {
            bytes = try WholeFile.read(path, limit: 4096)
        } catch {
            throw VSphereError(.invalidEndpoint, "password file \(path): \(error)")
        }
        let line = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).first ?? []
        let text = String(decoding: line.last == 0x0D ? line.dropLast() : line[...], as: UTF8.self)
        guard !text.isEmpty else { throw VSphereError(.invalidEndpoint, "password file \(path): is empty") }
        var status = stat()
        var warning: String?
        if stat(path, &status) == 0, status.st_mode & 0o077 != 0 {
            warning = "password file \(path) can be read by others (mode \(String(status.st_mode & 0o777, radix: 8))); chmod 600 it"
        }
        return (VSpherePassword(text), warning)
    }

    /// Reads the password from the environment variable `name`.
    /// - Throws: `VSphereError.invalidEndpoint` when it is unset or empty.
    public static func fromEnvironment(_ name: String) throws(VSphereError) -> VSpherePassword {
        guard let value = getenv(name).map({ String(cString: $0) }), !value.isEmpty else {
            throw VSphereError(.invalidEndpoint, "the environment variable \(name) that should hold the vSphere password is not set")
        }
        return VSpherePassword(value)
    }
}
