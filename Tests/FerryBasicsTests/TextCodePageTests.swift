import FerryBasics
import Testing

@Suite("TextCodePage: one decoder for VMDK descriptors and .vmx files")
struct TextCodePageTests {
    @Test(
        "every spelling of windows-1252 either file kind uses is accepted",
        arguments: ["windows-1252", "Windows-1252", "windows1252", "cp1252", "CP-1252", " cp1252 "])
    func windows1252Names(name: String) {
        #expect(TextCodePage(name: name) == .windows1252)
    }

    @Test("ISO-8859-1 and UTF-8 spellings", arguments: ["iso-8859-1", "ISO8859-1", "iso_8859-1", "latin1", "Latin-1", "l1"])
    func latin1Names(name: String) {
        #expect(TextCodePage(name: name) == .latin1)
        #expect(TextCodePage(name: "UTF-8") == .utf8)
        #expect(TextCodePage(name: "utf8") == .utf8)
    }

    @Test("names it does not decode are refused, not guessed")
    func unknownNames() {
        #expect(TextCodePage(name: "shift_jis") == nil)
        #expect(TextCodePage(name: "windows-1251") == nil)
        #expect(TextCodePage(name: "") == nil)
    }

    @Test("windows-1252 maps 0x80–0x9F to its own code points and the five undefined bytes to C1")
    func windows1252Bytes() {
        // "€ “Müller” – Š": 0x80, 0x93/0x94, 0xFC (same as Latin-1), 0x96, 0x8A.
        let bytes: [UInt8] = [0x80, 0x20, 0x93, 0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x94, 0x20, 0x96, 0x20, 0x8A]
        #expect(TextCodePage.windows1252.decode(bytes) == "€ “Müller” – Š")
        #expect(TextCodePage.windows1252.decode([0x81, 0x8D, 0x8F, 0x90, 0x9D]) == "\u{81}\u{8D}\u{8F}\u{90}\u{9D}")
        #expect(TextCodePage.latin1.decode([0x80, 0xFC]) == "\u{80}ü")
    }

    @Test("UTF-8 is validated; the single-byte code pages decode any byte")
    func utf8Validation() {
        #expect(TextCodePage.utf8.decode([0x4D, 0xC3, 0xBC]) == "Mü")
        #expect(TextCodePage.utf8.decode([0x4D, 0xFC]) == nil)
        #expect(TextCodePage.windows1252.decode([0x4D, 0xFC]) == "Mü")
    }
}
