import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A small, read-only element tree built from `XMLParser`, with the guards an untrusted OVF
/// needs: a size limit, and no DTD or entity declaration at all.
///
/// Refusing `<!DOCTYPE` and `<!ENTITY` outright, before the parser sees the bytes, is the
/// only defence that does not depend on which libxml2 options a Foundation build passes:
/// an OVF (or a SOAP answer from vSphere, which the VSphere module reads with it) never
/// needs a DTD, and XXE (`<!ENTITY x SYSTEM "file:///…">`) or entity
/// expansion bombs ("billion laughs") both need one.
package enum XMLTree {
    /// Deepest element nesting accepted: libxml2's own default limit. Real OVFs are under 15
    /// levels deep. Beyond some tens of thousands of levels, releasing the tree (each element
    /// owns its children) recurses deeper than the stack and kills the process.
    static let maximumDepth = 256

    package struct Attribute {
        package var prefix: String?
        package var namespace: String?
        package var name: String
        package var value: String
    }

    /// `@unchecked Sendable`: built by one parser, never changed once `parse` returns.
    package final class Element: @unchecked Sendable {
        /// The local name (no prefix).
        package let name: String
        package let namespace: String?
        package let attributes: [Attribute]
        /// Prefix → namespace URI declared on this element (`xmlns:ovf="…"`).
        let declarations: [String: String]
        package let line: Int
        fileprivate(set) package var children: [Element] = []
        fileprivate(set) package var text = ""
        fileprivate(set) weak var parent: Element?

        init(name: String, namespace: String?, attributes: [Attribute], declarations: [String: String], line: Int) {
            self.name = name
            self.namespace = namespace
            self.attributes = attributes
            self.declarations = declarations
            self.line = line
        }

        /// The value of the attribute with local name `name`, whatever its prefix; OVF
        /// writers disagree on whether `id`, `href` and friends carry the `ovf:` prefix.
        package func attribute(_ name: String) -> String? {
            attributes.first { $0.name == name }?.value
        }

        /// The text content, trimmed.
        package var trimmedText: String { text.trimmingSpaces() }
    }

    /// Parses `bytes` into a tree.
    /// - Throws: `.tooLarge`, `.externalEntity` (any DTD or entity declaration), `.syntax`.
    package static func parse(_ bytes: [UInt8], file: String, maximumSize: Int) throws(VMwareConfigError) -> Element {
        guard bytes.count <= maximumSize else {
            throw VMwareConfigError(
                .tooLarge, file: file,
                "is \(bytes.count) bytes, more than the \(maximumSize)-byte limit for a descriptor")
        }
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            throw VMwareConfigError(.syntax, file: file, "is empty")
        }
        try refuseDeclarations(bytes, file: file)

        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = true
        parser.shouldResolveExternalEntities = false
        let builder = Builder(file: file)
        parser.delegate = builder
        let success = parser.parse()
        if let failure = builder.failure { throw failure }
        guard success, let root = builder.root else {
            let reason = parser.parserError.map { Self.describe($0) } ?? "not well-formed XML"
            throw VMwareConfigError(.syntax, file: file, line: parser.lineNumber > 0 ? parser.lineNumber : nil, reason)
        }
        return root
    }

    /// Throws if the document declares a DTD, an entity or an encoding libxml2 does not
    /// decode itself. Checks the bytes as UTF-8/ASCII and, for a UTF-16 document (BOM), its
    /// decoded text.
    private static func refuseDeclarations(_ bytes: [UInt8], file: String) throws(VMwareConfigError) {
        let text: String
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            text = String(data: Data(bytes), encoding: .utf16) ?? ""
        } else if bytes.count >= 4, bytes[0] == 0 || bytes[1] == 0 {
            // UTF-16 or UTF-32 without a BOM: legal XML, never written by an OVF tool, and
            // the declaration scan below could not see through it.
            throw VMwareConfigError(.unsupported, file: file, "is not UTF-8 or BOM-marked UTF-16")
        } else {
            text = String(decoding: bytes, as: UTF8.self)
        }
        for marker in ["<!DOCTYPE", "<!ENTITY"] {
            if let range = text.range(of: marker) {
                let line = text[..<range.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
                throw VMwareConfigError(
                    .externalEntity, file: file, key: marker, line: line,
                    "declares a DTD or entity (\(marker)); OVF descriptors never need one and it is refused (XXE)")
            }
        }
        try refuseForeignEncoding(text, file: file)
    }

    /// The encodings libxml2 decodes itself. Any other goes through iconv, and one bad byte
    /// in a document declared UTF-7 makes the libxml2 2.9 push parser that XMLParser drives
    /// dereference NULL (found by fuzzing). OVF writers only ever declare UTF-8.
    private static let decodedEncodings: Set<String> = [
        "utf-8", "utf8", "utf-16", "us-ascii", "ascii", "iso-8859-1", "latin1",
    ]

    /// Throws `.unsupported` if the XML declaration names an encoding outside ``decodedEncodings``.
    private static func refuseForeignEncoding(_ text: String, file: String) throws(VMwareConfigError) {
        let blank: Set<Character> = [" ", "\t", "\r", "\n", "\r\n"]
        var rest = Substring(text)
        if rest.first == "\u{FEFF}" { rest = rest.dropFirst() }
        // The declaration can only be at the very start; a malformed one is libxml2's to report.
        guard rest.hasPrefix("<?xml"), let end = rest.range(of: "?>"),
            let key = rest[..<end.lowerBound].range(of: "encoding")
        else { return }
        var value = rest[key.upperBound..<end.lowerBound].drop { blank.contains($0) }
        guard value.first == "=" else { return }
        value = value.dropFirst().drop { blank.contains($0) }
        guard let quote = value.first, quote == "\"" || quote == "'" else { return }
        let name = value.dropFirst().prefix { $0 != quote }
        if !decodedEncodings.contains(name.lowercased()) {
            throw VMwareConfigError(
                .unsupported, file: file, key: "encoding", line: 1,
                "declares the encoding \"\(name)\"; OVF descriptors are UTF-8 (UTF-16, ASCII and ISO-8859-1 are read too)"
            )
        }
    }

    fileprivate static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let message = nsError.userInfo[NSLocalizedDescriptionKey] as? String, !message.isEmpty {
            return "not well-formed XML: \(message.trimmingSpaces())"
        }
        // Foundation on Linux passes libxml2's error number without its text.
        let known: [Int: String] = [
            4: "the document is empty or does not start with markup", 5: "the document ends too early",
            9: "an invalid character", 23: "an unterminated attribute or tag", 26: "an undefined entity",
            39: "an attribute value without quotes", 41: "a malformed attribute", 64: "a malformed XML declaration",
            68: "a malformed name", 73: "a tag that is not closed", 76: "an end tag that does not match its start tag",
            77: "an unterminated tag", 201: "an undeclared namespace prefix",
        ]
        return "not well-formed XML: \(known[nsError.code] ?? "XMLParser error \(nsError.code)")"
    }

    /// The `XMLParser` delegate that assembles the tree.
    private final class Builder: NSObject, XMLParserDelegate {
        let file: String
        var root: Element?
        var failure: VMwareConfigError?
        private var stack: [Element] = []
        /// Prefix → namespace URI, innermost scope last.
        private var scopes: [[String: String]] = [[:]]
        private var pendingMappings: [String: String] = [:]

        init(file: String) { self.file = file }

        func parser(_ parser: XMLParser, didStartMappingPrefix prefix: String, toURI namespaceURI: String) {
            pendingMappings[prefix] = namespaceURI
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            guard stack.count < XMLTree.maximumDepth else {
                if failure == nil {
                    failure = VMwareConfigError(
                        .tooLarge, file: file, key: elementName, line: parser.lineNumber > 0 ? parser.lineNumber : nil,
                        "<\(elementName)> is nested more than \(XMLTree.maximumDepth) elements deep")
                }
                parser.abortParsing()
                return
            }
            var scope = scopes.last ?? [:]
            scope.merge(pendingMappings) { $1 }
            let declared = pendingMappings
            pendingMappings = [:]
            scopes.append(scope)

            var parsed: [Attribute] = []
            for (qualified, value) in attributes.sorted(by: { $0.key < $1.key }) {
                let parts = qualified.split(separator: ":", maxSplits: 1).map(String.init)
                if parts.count == 2 {
                    parsed.append(Attribute(prefix: parts[0], namespace: scope[parts[0]], name: parts[1], value: value))
                } else {
                    parsed.append(Attribute(prefix: nil, namespace: nil, name: qualified, value: value))
                }
            }
            // Without namespace processing some Foundation builds report "prefix:name".
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            let element = Element(
                name: local, namespace: namespaceURI?.isEmpty == false ? namespaceURI : nil, attributes: parsed,
                declarations: declared, line: parser.lineNumber)
            if let parent = stack.last {
                element.parent = parent
                parent.children.append(element)
            } else if root == nil {
                root = element
            }
            stack.append(element)
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
        ) {
            if !stack.isEmpty { stack.removeLast() }
            if scopes.count > 1 { scopes.removeLast() }
        }

        /// swift-corelibs-foundation reports some well-formedness errors (a mismatched end
        /// tag, libxml2 error 76) here and still returns true from `parse()`, so any
        /// report is fatal.
        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            // libxml2's namespace diagnostics (an undeclared prefix on an attribute, a
            // relative namespace URI) are recoverable and common in hand-edited OVFs; the
            // elements concerned then simply fall outside the OVF namespace.
            let recoverable: Set<Int> = [99, 100, 106, 200, 201, 202, 203, 204, 205]
            if recoverable.contains((parseError as NSError).code) { return }
            if failure == nil {
                failure = VMwareConfigError(
                    .syntax, file: file, line: parser.lineNumber > 0 ? parser.lineNumber : nil,
                    XMLTree.describe(parseError))
            }
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text.append(string)
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.text.append(String(decoding: CDATABlock, as: UTF8.self))
        }

        // The declaration scan already refused DTDs; these stop the parse if a Foundation
        // build ever reports one the scan missed.
        func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
            refuse(parser, "declares entity \(name)")
        }

        func parser(
            _ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?,
            systemID: String?
        ) {
            refuse(parser, "declares external entity \(name)")
        }

        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
            refuse(parser, "refers to external entity \(name)")
            return nil
        }

        private func refuse(_ parser: XMLParser, _ what: String) {
            if failure == nil {
                failure = VMwareConfigError(
                    .externalEntity, file: file, line: parser.lineNumber, "\(what); entities are refused (XXE)")
            }
            parser.abortParsing()
        }
    }
}
