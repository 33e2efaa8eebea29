import FerryBasics
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A Ceph keyring file (`[client.NAME]` sections with `key = BASE64`).
///
/// Ferry needs the key itself only to hand it to libvirt as a secret value; it is kept
/// out of descriptions so that printing a `Keyring` cannot leak it.
public struct Keyring: Sendable, CustomStringConvertible {
    public let path: String
    private let keys: [String: String]
    /// True when group or others may read the file, which an admin should hear about.
    public let isWorldReadable: Bool

    /// Reads and parses a keyring file.
    /// - Throws: `CephError` `.notFound` / `.permissionDenied` naming the file.
    public init(path: String) throws(CephError) {
        self.path = path
        let bytes: [UInt8]
        do throws(WholeFile.Failure) {
            bytes = try WholeFile.read(path)
        } catch {
            // The real errno (ENOENT, EACCES, EISDIR…) rather than a guess from stat.
            let value = if case .system(_, let err) = error { err } else { EFBIG }
            throw CephError(code: .from(errno: value), errno: value, operation: "read keyring \(path)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CephError(code: .invalidArgument, errno: 0, operation: "read keyring \(path)", detail: "not UTF-8 text")
        }
        isWorldReadable = Self.isReadableByOthers(path)
        keys = Self.parse(text)
    }

    /// True when group or others may read the file at `path`.
    public static func isReadableByOthers(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & (S_IRGRP | S_IROTH)) != 0
    }

    /// The warning an admin should see when `path` holds a key others can read, or nil.
    public static func exposureWarning(_ path: String) -> String? {
        guard isReadableByOthers(path) else { return nil }
        return "the keyring \(path) is readable by group or others; anyone on this host can act as its cephx user (chmod 600 \(path))"
    }

    static func parse(_ text: String) -> [String: String] {
        var keys: [String: String] = [:]
        var section: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.hasPrefix(";") || line.isEmpty { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let section, let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            if name == "key" {
                keys[section] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return keys
    }

    /// The base64 key of an entity such as `client.ferry`, as libvirt's ceph secret wants it.
    public func key(for entity: String) throws(CephError) -> String {
        guard let key = keys[entity] else {
            throw CephError(code: .notFound, errno: ENOENT, operation: "read keyring \(path)",
                            detail: "no key for \(entity)")
        }
        return key
    }

    /// The key's raw bytes (the base64 decoded), which is what a libvirt `ceph` secret
    /// stores: libvirt base64-encodes the value again when it hands it to QEMU.
    public func keyBytes(for entity: String) throws(CephError) -> [UInt8] {
        guard let bytes = Data(base64Encoded: try key(for: entity)) else {
            throw CephError(code: .invalidArgument, errno: EINVAL, operation: "read keyring \(path)",
                            detail: "the key of \(entity) is not valid base64")
        }
        return Array(bytes)
    }

    public var entities: [String] { keys.keys.sorted() }

    public var description: String { "Keyring(\(path), entities: \(entities.joined(separator: ", ")))" }
}
