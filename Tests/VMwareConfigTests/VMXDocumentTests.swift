import Foundation
import Testing
import VMwareConfig

/// The VMX syntax layer: lines, quoting, comments, escapes, encodings, duplicates.
@Suite("VMX document")
struct VMXDocumentTests {
    @Test func quotedBareCommentsAndBlankLines() throws {
        let text = """
            #!/usr/bin/vmware
            # a comment
            .encoding = "UTF-8"

            displayName = "web 01 (prod)"   # trailing comment
            memsize = 1024
              guestOS="rhel9-64"
            annotation = "a # inside quotes"
            empty = ""
            """
        let document = try VMXDocument(text: text, file: "vm.vmx")
        #expect(try document.string("displayName") == "web 01 (prod)")
        #expect(try document.string("memsize") == "1024")
        #expect(try document.string("guestos") == "rhel9-64")
        #expect(try document.string("annotation") == "a # inside quotes")
        #expect(try document.string("empty") == "")
        #expect(document.entry("guestOS")?.line == 7)
        #expect(document.keys == [".encoding", "displayname", "memsize", "guestos", "annotation", "empty"])
    }

    @Test func keysAreCaseInsensitive() throws {
        let document = try VMXDocument(text: "MEMSIZE = \"512\"\nscsi0:0.FileName = \"a.vmdk\"", file: "vm.vmx")
        #expect(try document.string("memSize") == "512")
        #expect(try document.string("SCSI0:0.fileName") == "a.vmdk")
        #expect(document.entry("memsize")?.key == "MEMSIZE", "the key is kept as written for messages")
    }

    @Test func crlfNoFinalNewlineAndOldMacLineEnds() throws {
        let crlf = try VMXDocument(bytes: Array("a = \"1\"\r\nb = \"2\"\r\nc = \"3\"".utf8), file: "x.vmx")
        #expect(try crlf.string("c") == "3")
        #expect(crlf.entry("b")?.line == 2)
        let cr = try VMXDocument(bytes: Array("a = \"1\"\rb = \"2\"".utf8), file: "x.vmx")
        #expect(try cr.string("b") == "2")
    }

    @Test func duplicateKeysKeepTheLastValueAndWarn() throws {
        let document = try VMXDocument(text: "memsize = \"512\"\nMemSize = \"1024\"", file: "vm.vmx")
        #expect(try document.string("memsize") == "1024")
        #expect(document.entry("memsize")?.line == 2)
        #expect(document.warnings == ["vm.vmx: line 2: MemSize repeats line 1; the last value wins, as in VMware"])
    }

    @Test func hexEscapes() throws {
        let document = try VMXDocument(
            text: #"annotation = "say |22hi|22 |7C pipe|0Anext line |c3|a9""#, file: "vm.vmx")
        #expect(try document.string("annotation") == "say \"hi\" | pipe\nnext line é")
        #expect(document.entry("annotation")?.rawValue.contains("|22") == true, "raw values keep escapes")
    }

    @Test func badEscapeIsAnErrorWithKeyAndLine() throws {
        let document = try VMXDocument(text: "config.version = \"8\"\ndisplayName = \"a|zzb\"", file: "vm.vmx")
        let error = #expect(throws: VMwareConfigError.self) { try document.string("displayName") }
        #expect(error?.code == .invalidValue)
        #expect(error?.line == 2)
        #expect(
            error?.description
                == #"vm.vmx: line 2: displayName has a bad escape "|zz" (VMware escapes are | and two hex digits)"#)
        let truncated = try VMXDocument(text: #"displayName = "end|4""#, file: "vm.vmx")
        #expect(throws: VMwareConfigError.self) { try truncated.string("displayName") }
    }

    @Test func syntaxErrorsNameTheLine() {
        for (text, line) in [
            ("a = \"1\"\njust words\n", 2), ("a = \"unterminated\n", 1), ("= \"x\"", 1), ("a = \"1\" \"2\"", 1),
        ] {
            let error = #expect(throws: VMwareConfigError.self) { try VMXDocument(text: text, file: "bad.vmx") }
            #expect(error?.code == .syntax, "\(text)")
            #expect(error?.line == line, "\(text)")
            #expect(error?.description.hasPrefix("bad.vmx: line \(line): ") == true)
        }
    }

    @Test func windows1252AndLatin1() throws {
        // "Ç€" in windows-1252 is C7 80; in ISO-8859-1, 80 is a C1 control.
        let body: [UInt8] = Array("displayName = \"".utf8) + [0xC7, 0x80] + Array("\"\n".utf8)
        let cp1252 = try VMXDocument(bytes: Array(".encoding = \"windows-1252\"\n".utf8) + body, file: "w.vmx")
        #expect(try cp1252.string("displayName") == "Ç€")
        #expect(cp1252.encoding == "windows-1252")
        let latin1 = try VMXDocument(bytes: Array(".encoding = \"ISO-8859-1\"\n".utf8) + body, file: "l.vmx")
        #expect(try latin1.string("displayName") == "Ç\u{80}")
    }

    /// The VMDK descriptor reader's spellings are accepted too: the two share one decoder.
    @Test(arguments: [("windows1252", "Ç€"), ("cp1252", "Ç€"), ("Latin-1", "Ç\u{80}"), ("iso_8859-1", "Ç\u{80}")])
    func descriptorSpellingsOfTheSameCodePages(declared: String, decoded: String) throws {
        let body: [UInt8] = Array("displayName = \"".utf8) + [0xC7, 0x80] + Array("\"\n".utf8)
        let document = try VMXDocument(bytes: Array(".encoding = \"\(declared)\"\n".utf8) + body, file: "w.vmx")
        #expect(try document.string("displayName") == decoded)
    }

    @Test func undeclaredNonUTF8FallsBackToWindows1252WithAWarning() throws {
        let bytes: [UInt8] = Array("displayName = \"Caf".utf8) + [0xE9] + Array("\"".utf8)
        let document = try VMXDocument(bytes: bytes, file: "old.vmx")
        #expect(try document.string("displayName") == "Café")
        #expect(document.encoding == "windows-1252")
        #expect(document.warnings.count == 1)
    }

    @Test func declaredUTF8ThatIsNotIsAnError() {
        let bytes: [UInt8] = Array(".encoding = \"UTF-8\"\ndisplayName = \"Caf".utf8) + [0xE9] + Array("\"".utf8)
        let error = #expect(throws: VMwareConfigError.self) { try VMXDocument(bytes: bytes, file: "x.vmx") }
        #expect(error?.code == .syntax)
    }

    @Test func unknownEncodingIsUnsupported() {
        let error = #expect(throws: VMwareConfigError.self) {
            try VMXDocument(bytes: Array(".encoding = \"EBCDIC-037\"\n".utf8), file: "x.vmx")
        }
        #expect(error?.code == .unsupported)
        #expect(error?.line == 1)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let document = try VMXDocument(bytes: [0xEF, 0xBB, 0xBF] + Array("displayName = \"x\"".utf8), file: "x.vmx")
        #expect(try document.string("displayName") == "x")
    }

    @Test func sizeLimit() {
        let huge = [UInt8](repeating: 0x23, count: VMXDocument.maximumSize + 1)
        let error = #expect(throws: VMwareConfigError.self) { try VMXDocument(bytes: huge, file: "big.vmx") }
        #expect(error?.code == .tooLarge)
    }

    @Test func missingFileIsAnIOError() {
        let error = #expect(throws: VMwareConfigError.self) { try VMXDocument(contentsOf: "/nonexistent/vm.vmx") }
        #expect(error?.code == .io)
        #expect(error?.file == "/nonexistent/vm.vmx")
    }

    /// Foundation's words ("The operation could not be completed. The file doesn't exist.")
    /// never reach an admin: the errno's, as the VMDK layer prints them.
    @Test func unreadableFilesAreNamedInTheErrnosWords() throws {
        let missing = #expect(throws: VMwareConfigError.self) { try VMXDocument(contentsOf: "/nonexistent/vm.vmx") }
        #expect(missing?.description == "/nonexistent/vm.vmx: cannot be read: No such file or directory (ENOENT)")
        let ovf = #expect(throws: VMwareConfigError.self) { try OVFParser().parse(contentsOf: "/nonexistent/vm.ovf") }
        #expect(ovf?.code == .io)
        #expect(ovf?.description == "/nonexistent/vm.ovf: cannot be read: No such file or directory (ENOENT)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-\(UUID().uuidString).vmx")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let directory = #expect(throws: VMwareConfigError.self) { try VMXDocument(contentsOf: folder.path) }
        #expect(directory?.description == "\(folder.path): cannot be read: Is a directory (EISDIR)")
    }

    @Test func oversizedFileIsRefusedBeforeReading() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-\(UUID().uuidString).vmx")
        try Data(repeating: 0x23, count: VMXDocument.maximumSize + 1).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = #expect(throws: VMwareConfigError.self) { try VMXDocument(contentsOf: file.path) }
        #expect(error?.code == .tooLarge)
        #expect(error?.description == "\(file.path): is \(VMXDocument.maximumSize + 1) bytes; a .vmx is never larger than \(VMXDocument.maximumSize)")
    }
}
