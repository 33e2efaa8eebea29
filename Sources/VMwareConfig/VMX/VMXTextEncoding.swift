import FerryBasics
import Foundation

/// The character sets a .vmx can be written in. VMware writes `.encoding = "…"` as the first
/// line; files from old hosted products on Windows have none and are in the host's code
/// page, which is why an undeclared file that is not valid UTF-8 is read as windows-1252.
/// UTF-8, windows-1252 and ISO-8859-1 are the `TextCodePage` VMDK descriptors are read with.
enum VMXTextEncoding: Sendable, Equatable {
    case codePage(TextCodePage)
    /// Anything else Foundation can decode (Shift_JIS, GBK, windows-1251, …).
    case foundation(String.Encoding, name: String)

    static let utf8 = VMXTextEncoding.codePage(.utf8)
    static let windows1252 = VMXTextEncoding.codePage(.windows1252)

    /// Maps an `.encoding` value (an IANA name, any case) to a decoder, or nil if unknown.
    init?(ianaName: String) {
        if let page = TextCodePage(name: ianaName) {
            self = .codePage(page)
            return
        }
        let name = ianaName.trimmingSpaces().lowercased()
        switch name {
        case "us-ascii", "ascii": self = .utf8  // ASCII is a subset; decoding it as UTF-8 is exact.
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
        case .codePage(let page): page.name
        case .foundation(_, let name): name
        }
    }

    /// Decodes `bytes`, or nil if they are not valid in this encoding.
    func decode(_ bytes: some Collection<UInt8>) -> String? {
        switch self {
        case .codePage(.utf8):
            // Notepad puts a byte-order mark before UTF-8; VMware ignores it.
            let body = Array(bytes)
            return TextCodePage.utf8.decode(body.starts(with: [0xEF, 0xBB, 0xBF]) ? body.dropFirst(3) : body[...])
        case .codePage(let page):
            return page.decode(bytes)
        case .foundation(let encoding, _):
            return String(data: Data(bytes), encoding: encoding)
        }
    }
}
