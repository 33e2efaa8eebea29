/// A small element tree for the XML Ferry hands to libvirt, so that every attribute value
/// and text node goes through one escaping routine. VMware names are free text: a display
/// name like `Tom's <test> & "prod"` must reach libvirt as data, never as markup.
struct XMLTag: Sendable {
    var name: String
    var attributes: [(String, String)]
    var children: [XMLTag]
    var text: String?

    init(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil, children: [XMLTag] = []) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    init(_ name: String, _ attributes: [(String, String)] = [], @XMLTagBuilder children: () -> [XMLTag]) {
        self.init(name, attributes, children: children())
    }

    /// The element as indented XML text, two spaces per level as `virsh dumpxml` prints it.
    func rendered(indent: Int = 0) -> String {
        var output = ""
        render(into: &output, depth: indent)
        return output
    }

    private func render(into output: inout String, depth: Int) {
        let padding = String(repeating: "  ", count: depth)
        output += padding + "<" + name
        for (key, value) in attributes {
            output += " \(key)='\(XMLTag.escapeAttribute(value))'"
        }
        if children.isEmpty, text == nil {
            output += "/>\n"
            return
        }
        output += ">"
        if let text { output += XMLTag.escapeText(text) }
        if !children.isEmpty {
            output += "\n"
            for child in children { child.render(into: &output, depth: depth + 1) }
            output += padding
        }
        output += "</\(name)>\n"
    }

    /// Escapes `&`, `<`, `>` and both quote characters. Characters XML 1.0 cannot carry at all
    /// (C0 controls other than tab, LF and CR; U+FFFE/U+FFFF) are dropped: libxml2 rejects
    /// them even as character references, and a name with a stray control byte is not worth
    /// failing a migration for.
    static func escapeAttribute(_ value: String) -> String {
        escape(value, quotes: true)
    }

    static func escapeText(_ value: String) -> String {
        escape(value, quotes: false)
    }

    private static func escape(_ value: String, quotes: Bool) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "'" where quotes: result += "&apos;"
            case "\"" where quotes: result += "&quot;"
            // In attributes, whitespace other than a space is normalised away by XML parsers.
            case "\t" where quotes: result += "&#9;"
            case "\n" where quotes: result += "&#10;"
            case "\r": result += "&#13;"
            default:
                guard isAllowedInXML(scalar) else { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isAllowedInXML(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}

/// Lets element trees be written as nested blocks with `if` and `for`.
@resultBuilder
enum XMLTagBuilder {
    static func buildExpression(_ tag: XMLTag) -> [XMLTag] { [tag] }
    static func buildExpression(_ tags: [XMLTag]) -> [XMLTag] { tags }
    static func buildExpression(_ tag: XMLTag?) -> [XMLTag] { tag.map { [$0] } ?? [] }
    static func buildBlock(_ parts: [XMLTag]...) -> [XMLTag] { parts.flatMap { $0 } }
    static func buildOptional(_ part: [XMLTag]?) -> [XMLTag] { part ?? [] }
    static func buildEither(first part: [XMLTag]) -> [XMLTag] { part }
    static func buildEither(second part: [XMLTag]) -> [XMLTag] { part }
    static func buildArray(_ parts: [[XMLTag]]) -> [XMLTag] { parts.flatMap { $0 } }
}
