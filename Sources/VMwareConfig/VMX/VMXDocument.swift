import FerryBasics
import Foundation

/// A .vmx file as key/value entries: the syntax layer, with no VMware semantics.
///
/// The format is one `key = "value"` per line. Keys are case-insensitive (VMware itself
/// writes both `memsize` and `memSize`), so they are looked up lowercased; values may be
/// quoted or bare, and inside a value VMware escapes `"`, `|`, `#` and control characters
/// as `|` plus two hex digits (`|22`, `|7C`, `|0A`). `#` starts a comment line. The file is
/// decoded with its `.encoding` entry (UTF-8 when absent). A key given twice keeps its last
/// value, as VMware does, and the repetition is reported in ``warnings``.
public struct VMXDocument: Sendable {
    /// One `key = value` line.
    public struct Entry: Sendable, Hashable {
        /// The key as written (original case).
        public var key: String
        /// The value with quotes removed but `|XX` escapes still in place; see ``VMXDocument/string(_:)``.
        public var rawValue: String
        /// 1-based line number.
        public var line: Int
    }

    /// Larger than any real .vmx by three orders of magnitude; a bigger file is not a VMX.
    public static let maximumSize = 4 << 20

    /// The name used in errors and warnings (usually the path as given).
    public let file: String
    /// The encoding the file was decoded with.
    public let encoding: String
    /// Entries in file order, one per key (the last occurrence of a repeated key).
    public private(set) var entries: [Entry] = []
    /// Syntax-level observations: repeated keys, an undeclared non-UTF-8 file.
    public private(set) var warnings: [String] = []

    private var index: [String: Int] = [:]

    /// Reads and parses a .vmx file.
    /// - Throws: `VMwareConfigError` `.io`, `.tooLarge`, `.syntax`, `.unsupported` (encoding).
    public init(contentsOf path: String) throws(VMwareConfigError) {
        let bytes: [UInt8]
        do throws(WholeFile.Failure) {
            bytes = try WholeFile.read(path, limit: Self.maximumSize)
        } catch {
            switch error {
            case .tooLarge(let size):
                throw VMwareConfigError(
                    .tooLarge, file: path, "is \(size) bytes; a .vmx is never larger than \(Self.maximumSize)")
            case .system:
                throw VMwareConfigError(.io, file: path, "cannot be read: \(error)")
            }
        }
        try self.init(bytes: bytes, file: path)
    }

    /// Parses .vmx content.
    /// - Parameter file: the name to use in errors.
    /// - Throws: `VMwareConfigError` `.tooLarge`, `.syntax`, `.unsupported` (encoding).
    public init(bytes: [UInt8], file: String) throws(VMwareConfigError) {
        guard bytes.count <= Self.maximumSize else {
            throw VMwareConfigError(
                .tooLarge, file: file, "is \(bytes.count) bytes; a .vmx is never larger than \(Self.maximumSize)")
        }
        var notes: [String] = []
        let declared = Self.declaredEncoding(in: bytes)
        let encoding: VMXTextEncoding
        if let declared {
            guard let known = VMXTextEncoding(ianaName: declared.name) else {
                throw VMwareConfigError(
                    .unsupported, file: file, key: ".encoding", line: declared.line,
                    "encoding \"\(declared.name)\" is not supported (UTF-8, windows-1252, ISO-8859-1 and a few CJK/Cyrillic code pages are)"
                )
            }
            encoding = known
        } else {
            encoding = .utf8
        }
        var text = encoding.decode(bytes)
        var used = encoding
        if text == nil && declared == nil {
            // Workstation/GSX on Windows wrote VMX files in the ANSI code page before
            // `.encoding` existed; windows-1252 decodes every byte, so this cannot fail.
            used = .windows1252
            text = VMXTextEncoding.windows1252.decode(bytes)
            notes.append("\(file): no .encoding and not valid UTF-8; read as windows-1252")
        }
        guard let text else {
            throw VMwareConfigError(
                .syntax, file: file, key: ".encoding", line: declared?.line,
                "is not valid \(encoding.name) although .encoding says so")
        }
        try self.init(decoded: text, encoding: used.name, notes: notes, file: file)
    }

    /// Parses already-decoded text (for tests and callers that hold a `String`); an
    /// `.encoding` entry in it is kept as an entry but not applied.
    public init(text: String, file: String) throws(VMwareConfigError) {
        try self.init(decoded: text, encoding: "UTF-8", notes: [], file: file)
    }

    private init(decoded text: String, encoding: String, notes: [String], file: String) throws(VMwareConfigError) {
        self.file = file
        self.encoding = encoding
        self.warnings = notes
        try parse(text)
    }

    // MARK: Lookup

    /// The entry for `key` (any case), if present.
    public func entry(_ key: String) -> Entry? {
        index[key.lowercased()].map { entries[$0] }
    }

    /// True when the key is present (with any value, even empty).
    public func contains(_ key: String) -> Bool { index[key.lowercased()] != nil }

    /// The value of `key` with `|XX` escapes decoded, or nil if the key is absent.
    /// - Throws: `.invalidValue` for a `|` not followed by two hex digits.
    public func string(_ key: String) throws(VMwareConfigError) -> String? {
        guard let entry = entry(key) else { return nil }
        return try Self.unescape(entry, file: file)
    }

    /// All keys, lowercased, in file order.
    public var keys: [String] { entries.map { $0.key.lowercased() } }

    // MARK: Parsing

    private mutating func parse(_ text: String) throws(VMwareConfigError) {
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so split on all three line ends explicitly.
        for rawLine in text.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        {
            lineNumber += 1
            let line = String(rawLine).trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw VMwareConfigError(
                    .syntax, file: file, line: lineNumber, "expected key = \"value\", found \"\(Self.clip(line))\"")
            }
            let key = String(line[..<equals]).trimmingSpaces()
            guard !key.isEmpty else {
                throw VMwareConfigError(.syntax, file: file, line: lineNumber, "a value without a key")
            }
            guard !key.contains("\"") else {
                throw VMwareConfigError(
                    .syntax, file: file, key: key, line: lineNumber,
                    "a key cannot contain a quote: \"\(Self.clip(key))\"")
            }
            let value = try Self.value(
                String(line[line.index(after: equals)...]).trimmingSpaces(), key: key, line: lineNumber, file: file)
            let lowered = key.lowercased()
            let entry = Entry(key: key, rawValue: value, line: lineNumber)
            if let existing = index[lowered] {
                warnings.append(
                    "\(file): line \(lineNumber): \(key) repeats line \(entries[existing].line); the last value wins, as in VMware"
                )
                entries[existing] = entry
            } else {
                index[lowered] = entries.count
                entries.append(entry)
            }
        }
    }

    /// The value part of a line: a quoted string (anything after the closing quote must be
    /// a comment), or a bare word up to an optional `#` comment.
    private static func value(
        _ text: String, key: String, line: Int, file: String
    ) throws(VMwareConfigError) -> String {
        guard text.first == "\"" else {
            let bare = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return String(bare).trimmingSpaces()
        }
        let body = text.dropFirst()
        // VMware escapes a quote inside a value as |22, so the next quote always closes it.
        guard let close = body.firstIndex(of: "\"") else {
            throw VMwareConfigError(
                .syntax, file: file, key: key, line: line, "\(key) has an unterminated quoted value")
        }
        let rest = String(body[body.index(after: close)...]).trimmingSpaces()
        guard rest.isEmpty || rest.hasPrefix("#") else {
            throw VMwareConfigError(
                .syntax, file: file, key: key, line: line, "\(key) has text after its closing quote: \"\(clip(rest))\"")
        }
        return String(body[..<close])
    }

    /// Decodes `|XX` escapes. Escaped bytes are taken as UTF-8 when they form valid UTF-8
    /// (VMware escapes multi-byte characters byte by byte), otherwise as Latin-1.
    static func unescape(_ entry: Entry, file: String) throws(VMwareConfigError) -> String {
        let raw = entry.rawValue
        guard raw.contains("|") else { return raw }
        var result = String.UnicodeScalarView()
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if let text = String(validating: pending, as: UTF8.self) {
                result.append(contentsOf: text.unicodeScalars)
            } else {
                result.append(contentsOf: pending.map { Unicode.Scalar($0) })
            }
            pending.removeAll()
        }
        let scalars = Array(raw.unicodeScalars)
        var position = 0
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar == "|" {
                guard position + 2 < scalars.count, let high = hexValue(scalars[position + 1]),
                    let low = hexValue(scalars[position + 2])
                else {
                    let shown = String(String.UnicodeScalarView(scalars[position..<min(position + 3, scalars.count)]))
                    throw VMwareConfigError(
                        .invalidValue, file: file, key: entry.key, line: entry.line,
                        "\(entry.key) has a bad escape \"\(shown)\" (VMware escapes are | and two hex digits)")
                }
                pending.append(high << 4 | low)
                position += 3
            } else {
                flush()
                result.append(scalar)
                position += 1
            }
        }
        flush()
        return String(result)
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x41...0x46: UInt8(scalar.value - 0x41 + 10)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        default: nil
        }
    }

    /// Finds `.encoding = "NAME"` by scanning the raw bytes: the key and the names are ASCII
    /// in every encoding VMware writes, so this works before the text is decoded.
    private static func declaredEncoding(in bytes: [UInt8]) -> (name: String, line: Int)? {
        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let line = String(decoding: bytes[start..<end], as: UTF8.self).trimmingSpaces()
            if line.lowercased().hasPrefix(".encoding"), let equals = line.firstIndex(of: "=") {
                let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
                if key == ".encoding" {
                    var value = String(line[line.index(after: equals)...]).trimmingSpaces()
                    if value.hasPrefix("\""), let close = value.dropFirst().firstIndex(of: "\"") {
                        value = String(value[value.index(after: value.startIndex)..<close])
                    }
                    return (value, lineNumber)
                }
            }
            start = end + 1
        }
        return nil
    }

    static func clip(_ text: String) -> String {
        text.count > 60 ? String(text.prefix(57)) + "..." : text
    }
}
