import Foundation

/// The character sets a .vmx can be written in. VMware writes `.encoding = "…"` as the first
/// line; files from old hosted products on Windows have none and are in the host's code
/// page, which is why an undeclared file that is not valid UTF-8 is read as windows-1252.
enum VMXTextEncoding: Sendable, Equatable {
    case utf8
    case windows1252
    case latin1
    /// Anything else Foundation can decode (Shift_JIS, GBK, windows-1251, …).
    case foundation(String.Encoding, name: String)

    /// Maps an `.encoding` value (an IANA name, any case) to a decoder, or nil if unknown.
    init?(ianaName: String) {
        let name = ianaName.trimmingSpaces().lowercased()
        switch name {
        case "utf-8", "utf8": self = .utf8
        case "us-ascii", "ascii": self = .utf8  // ASCII is a subset; decoding it as UTF-8 is exact.
        case "windows-1252", "cp1252", "cp-1252": self = .windows1252
        case "iso-8859-1", "iso8859-1", "latin1", "iso_8859-1", "l1": self = .latin1
        case "shift_jis", "shift-jis", "sjis", "windows-31j", "cp932": self = .foundation(.shiftJIS, name: name)
        case "euc-jp": self = .foundation(.japaneseEUC, name: name)
        case "windows-1250", "cp1250": self = .foundation(.windowsCP1250, name: name)
        case "windows-1251", "cp1251": self = .foundation(.windowsCP1251, name: name)
        case "windows-1253", "cp1253": self = .foundation(.windowsCP1253, name: name)
        case "windows-1254", "cp1254": self = .foundation(.windowsCP1254, name: name)
        case "iso-8859-2", "latin2": self = .foundation(.isoLatin2, name: name)
        case "utf-16", "utf-16le", "utf-16be": return nil  // never line-oriented ASCII; refuse rather than garble
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .utf8: "UTF-8"
        case .windows1252: "windows-1252"
        case .latin1: "ISO-8859-1"
        case .foundation(_, let name): name
        }
    }

    /// Decodes `bytes`, or nil if they are not valid in this encoding.
    func decode(_ bytes: some Collection<UInt8>) -> String? {
        switch self {
        case .utf8:
            var body = Array(bytes)
            if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
            return String(validating: body, as: UTF8.self)
        case .latin1:
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case .windows1252:
            var scalars = String.UnicodeScalarView()
            for byte in bytes {
                if (0x80...0x9F).contains(byte) {
                    // Five code points are undefined in windows-1252; map them through to C1
                    // controls as Windows' own MultiByteToWideChar does, rather than failing.
                    let value = Self.windows1252High[Int(byte - 0x80)]
                    scalars.append(Unicode.Scalar(value) ?? Unicode.Scalar(byte))
                } else {
                    scalars.append(Unicode.Scalar(byte))
                }
            }
            return String(scalars)
        case .foundation(let encoding, _):
            return String(data: Data(bytes), encoding: encoding)
        }
    }

    /// windows-1252 0x80…0x9F; the rest of the code page equals ISO-8859-1.
    private static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]
}
