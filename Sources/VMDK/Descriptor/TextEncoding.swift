import FerryBasics

/// The character set a VMDK descriptor declares with `encoding="…"`.
///
/// VMware Workstation on Windows writes `encoding="windows-1252"` and stores non-ASCII
/// file names in that code page; ESXi writes UTF-8. A descriptor without the key is
/// UTF-8 if it decodes as UTF-8, otherwise (old Workstation) windows-1252. The decoding is
/// the one `TextCodePage` the .vmx reader uses too.
enum TextEncoding: Sendable, Equatable {
    case codePage(TextCodePage)
    /// Any other declared encoding: accepted only while the bytes are plain ASCII.
    case asciiOnly(declared: String)

    static let utf8 = TextEncoding.codePage(.utf8)
    static let windows1252 = TextEncoding.codePage(.windows1252)

    init(declared name: String) {
        self = TextCodePage(name: name).map(TextEncoding.codePage) ?? .asciiOnly(declared: name)
    }

    /// Decodes one line; nil if the bytes are not valid in this encoding.
    func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        switch self {
        case .codePage(let page):
            return page.decode(bytes)
        case .asciiOnly:
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    var name: String {
        switch self {
        case .codePage(let page): page.name
        case .asciiOnly(let declared): declared
        }
    }
}
