import Ferry
import Testing

@testable import VMwareConfig

/// Inputs that crashed or were misreported while fuzzing the parsers (Docker/dev/fuzz.sh),
/// rebuilt in code. Each asserts the typed error the input must now produce.
@Suite("Fuzzing regressions")
struct FuzzRegressionTests {
    /// `<Envelope>` holding `depth - 1` nested `<a>` elements: `depth` levels in all.
    static func nestedOVF(depth: Int) -> [UInt8] {
        let open = #"<?xml version="1.0"?><Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1">"#
        let inner = depth - 1
        return Array(
            (open + String(repeating: "<a>", count: inner) + String(repeating: "</a>", count: inner) + "</Envelope>")
                .utf8)
    }

    /// An envelope holding an element with a NUL character, which no encoding allows.
    static let envelopeWithNUL = #"<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"><a>\#u{0}</a></Envelope>"#

    /// The error parsing `bytes` as an OVF throws; nil (and a recorded issue) if it parses.
    static func ovfError(_ bytes: [UInt8], file: String) -> VMwareConfigError? {
        do throws(VMwareConfigError) {
            _ = try OVFParser().parse(bytes, file: file)
            Issue.record("\(file) was accepted")
            return nil
        } catch {
            return error
        }
    }

    /// Found by a hand-made hostile seed next to the fuzzer: 100,000 nested elements (2 MB,
    /// under the 16 MiB limit) parsed, then freeing the tree recursed once per level and
    /// overflowed the stack (SIGSEGV), which would take `ferry serve` down with it.
    @Test("an OVF nested 100,000 elements deep is refused instead of overflowing the stack")
    func deeplyNestedOVF() throws {
        let error = try #require(Self.ovfError(Self.nestedOVF(depth: 100_000), file: "deep.ovf"))
        #expect(error.code == .tooLarge)
        #expect(error.file == "deep.ovf")
        #expect(error.key == "a")
        #expect(error.line == 1)
    }

    @Test("nesting up to the limit reaches the OVF checks; one level more is refused as too deep")
    func nestingLimit() throws {
        let limit = XMLTree.maximumDepth
        for (depth, code) in [(limit, VMwareConfigError.Code.syntax), (limit + 1, .tooLarge)] {
            let error = try #require(Self.ovfError(Self.nestedOVF(depth: depth), file: "limit.ovf"))
            #expect(error.code == code, "depth \(depth): \(error)")
        }
    }

    /// Found by the ovf fuzzer (a govmomi OVF mutated to `encoding="UTF-7"` with a NUL in
    /// an element): libxml2 converts UTF-7 through iconv, and the bad byte made its push
    /// parser dereference NULL inside `xmlParseChunk` (SIGSEGV).
    @Test("an OVF declaring UTF-7 (or any encoding libxml2 leaves to iconv) is refused before parsing")
    func foreignEncoding() throws {
        for declared in ["UTF-7", "utf-7", "EBCDIC-US", "UTF-32"] {
            let text = "<?xml version=\"1.0\" encoding = '\(declared)'?>\n" + Self.envelopeWithNUL
            let error = try #require(Self.ovfError(Array(text.utf8), file: "utf7.ovf"))
            #expect(error.code == .unsupported, "\(declared): \(error)")
            #expect(error.file == "utf7.ovf")
            #expect(error.key == "encoding")
            #expect(error.message.contains(declared))
        }
    }

    @Test("the encodings libxml2 decodes itself still reach the XML parser")
    func decodedEncodings() throws {
        for declared in ["UTF-8", "utf-8", "ISO-8859-1", "US-ASCII"] {
            let text = "<?xml version=\"1.0\" encoding=\"\(declared)\"?>\n" + Self.envelopeWithNUL
            let error = try #require(Self.ovfError(Array(text.utf8), file: "latin.ovf"))
            // libxml2's own verdict on the NUL, not the encoding check.
            #expect(error.code == .syntax, "\(declared): \(error)")
            #expect(error.line == 2)
        }
    }

    /// The plan fuzzer's rejections read "The given data was not valid YAML." for every
    /// syntax error: the line and column Yams knows were dropped.
    @Test("a YAML syntax error in a plan names the plan, the line and the column")
    func planSyntaxError() {
        do throws(PlanError) {
            _ = try MigrationPlan(yaml: "vms:\n  - source: a.vmx\n    pool: [rbd\n", source: "/plans/wave.yaml")
            Issue.record("an unterminated flow sequence was accepted")
        } catch {
            #expect(error.source == "/plans/wave.yaml")
            #expect(error.message.contains("line 4, column 1"), "\(error.message)")
            #expect(!error.message.contains("not valid YAML"))
        }
    }
}
