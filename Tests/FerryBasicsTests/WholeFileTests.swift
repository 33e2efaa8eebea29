import FerryBasics
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("WholeFile and errno words: what a user reads when a file cannot be read")
struct WholeFileTests {
    private func temporaryFile(_ bytes: [UInt8]) throws -> String {
        var template = Array("/tmp/ferry-wholefile-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        try #require(written == bytes.count)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    @Test("a missing file fails with ENOENT in the errno's words")
    func missing() {
        #expect(throws: WholeFile.Failure.system(call: "open", errno: ENOENT)) {
            try WholeFile.read("/nowhere/busy.vmx")
        }
        let failure = WholeFile.Failure.system(call: "open", errno: ENOENT)
        #expect(failure.description == "No such file or directory (ENOENT)")
    }

    @Test("a directory is EISDIR, not an empty file")
    func directory() {
        #expect(throws: WholeFile.Failure.system(call: "read", errno: EISDIR)) { try WholeFile.read("/tmp") }
    }

    @Test("a file over the limit is refused before it is read; one at the limit is read")
    func limit() throws {
        let path = try temporaryFile(Array(repeating: 0x41, count: 100))
        defer { unlink(path) }
        #expect(throws: WholeFile.Failure.tooLarge(size: 100)) { try WholeFile.read(path, limit: 99) }
        #expect(try WholeFile.read(path, limit: 100).count == 100)
    }

    @Test("large files are read whole, across read(2) calls")
    func large() throws {
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let path = try temporaryFile(bytes)
        defer { unlink(path) }
        #expect(try WholeFile.read(path) == bytes)
    }

    @Test("text that is not UTF-8 reads as nil, not as a Foundation error")
    func notUTF8() throws {
        let path = try temporaryFile([0x61, 0xFF, 0x62])
        defer { unlink(path) }
        #expect(try WholeFile.utf8Text(path) == nil)
    }

    @Test("errno words: the text and the symbolic name; unnamed errnos keep their number")
    func errnoWords() {
        #expect(errnoDescription(ENOENT) == "No such file or directory (ENOENT)")
        #expect(errnoDescription(ENOSPC) == "No space left on device (ENOSPC)")
        #expect(errnoDescription(EACCES) == "Permission denied (EACCES)")
        #expect(errnoDescription(EXDEV).hasSuffix("(errno \(EXDEV))"))
    }
}
