/// The character sets a VMDK descriptor declares with `encoding="…"`.
///
/// VMware Workstation on Windows writes `encoding="windows-1252"` and stores non-ASCII
/// file names in that code page; ESXi writes UTF-8. A descriptor without the key is
/// UTF-8 if it decodes as UTF-8, otherwise (old Workstation) windows-1252.
enum TextEncoding: Sendable, Equatable {
    case utf8
    case windows1252
    case latin1
    /// Any other declared encoding: accepted only while the bytes are plain ASCII.
    case asciiOnly(declared: String)

    init(declared name: String) {
        switch name.lowercased() {
        case "utf-8", "utf8": self = .utf8
        case "windows-1252", "cp1252", "cp-1252", "windows1252": self = .windows1252
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1": self = .latin1
        default: self = .asciiOnly(declared: name)
        }
    }

    /// Decodes one line; nil if the bytes are not valid in this encoding.
    func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        switch self {
        case .utf8:
            return String(validating: bytes, as: UTF8.self)
        case .latin1:
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case .windows1252:
            var scalars = String.UnicodeScalarView()
            for byte in bytes {
                if (0x80...0x9f).contains(byte), let mapped = Unicode.Scalar(windows1252High[Int(byte - 0x80)]) {
                    scalars.append(mapped)
                } else {
                    scalars.append(Unicode.Scalar(byte))
                }
            }
            return String(scalars)
        case .asciiOnly:
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    var name: String {
        switch self {
        case .utf8: "UTF-8"
        case .windows1252: "windows-1252"
        case .latin1: "ISO-8859-1"
        case .asciiOnly(let declared): declared
        }
    }
}

/// Code points for bytes 0x80–0x9F in windows-1252. The five bytes the code page leaves
/// undefined map to the C1 control of the same value, as the WHATWG encoding standard does.
private let windows1252High: [UInt32] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
]
