/// The character sets VMware writes its text files in, decoded without Foundation: one
/// decoder for VMDK descriptors (`encoding="…"`) and .vmx files (`.encoding = "…"`).
///
/// VMware Workstation on Windows writes windows-1252 and stores non-ASCII file names in
/// that code page; ESXi writes UTF-8; ISO-8859-1 appears in hand-edited files.
public enum TextCodePage: Sendable, Equatable {
    case utf8
    case windows1252
    case latin1

    /// Maps a declared encoding name (any case, surrounding spaces ignored) to a code page,
    /// or nil for one this decoder does not know. Accepts every spelling either VMware file
    /// kind was seen to use.
    public init?(name: String) {
        switch name.trimmingASCIISpaces().lowercased() {
        case "utf-8", "utf8": self = .utf8
        case "windows-1252", "windows1252", "cp1252", "cp-1252": self = .windows1252
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1": self = .latin1
        default: return nil
        }
    }

    /// The canonical name, as messages print it.
    public var name: String {
        switch self {
        case .utf8: "UTF-8"
        case .windows1252: "windows-1252"
        case .latin1: "ISO-8859-1"
        }
    }

    /// Decodes `bytes`; nil only for UTF-8 that is not valid (every byte is a character in
    /// the two single-byte code pages).
    public func decode(_ bytes: some Collection<UInt8>) -> String? {
        switch self {
        case .utf8:
            return String(validating: bytes, as: UTF8.self)
        case .latin1:
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case .windows1252:
            var scalars = String.UnicodeScalarView()
            for byte in bytes {
                if (0x80...0x9F).contains(byte), let mapped = Unicode.Scalar(windows1252High[Int(byte - 0x80)]) {
                    scalars.append(mapped)
                } else {
                    scalars.append(Unicode.Scalar(byte))
                }
            }
            return String(scalars)
        }
    }
}

/// Code points for bytes 0x80–0x9F in windows-1252; the rest of the code page equals
/// ISO-8859-1. The five bytes the code page leaves undefined map to the C1 control of the
/// same value, as Windows' MultiByteToWideChar and the WHATWG encoding standard do, so a
/// file Windows wrote never fails to decode.
private let windows1252High: [UInt32] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
]

extension StringProtocol {
    /// Declarations are read from `key = " name "` lines; tolerate spaces inside the quotes.
    fileprivate func trimmingASCIISpaces() -> SubSequence {
        let isText: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let first = firstIndex(where: isText), let last = lastIndex(where: isText) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
