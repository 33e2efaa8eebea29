/// Normalisers for the identifiers VMware writes in several spellings.
package enum Identifiers {
    /// `uuid.bios` style (`"56 4d 54 59 5d 0c 51 8d-d3 40 38 4f fe bf e4 5d"`), an OVF or
    /// vCenter UUID (`4220fca7-11dd-…`) or 32 bare hex digits → lowercase 8-4-4-4-12.
    /// Nil unless there are exactly 32 hex digits, separated only by spaces and dashes.
    package static func uuid(_ text: String) -> String? {
        var hex: [Character] = []
        for character in text {
            if character == " " || character == "-" || character == "\t" { continue }
            guard character.isHexDigit, character.isASCII else { return nil }
            hex.append(Character(character.lowercased()))
        }
        guard hex.count == 32 else { return nil }
        let groups = [8, 4, 4, 4, 12]
        var result = ""
        var index = 0
        for (number, length) in groups.enumerated() {
            if number > 0 { result.append("-") }
            result.append(contentsOf: hex[index..<(index + length)])
            index += length
        }
        return result
    }

    /// `00:50:56:91:48:C7` (or with dashes) → `00:50:56:91:48:c7`. Nil unless six
    /// two-digit hex octets; VMware always writes two digits, so a shorter octet means a
    /// hand edit gone wrong, and guessing would change the guest's identity.
    package static func mac(_ text: String) -> String? {
        let trimmed = text.trimmingSpaces()
        let separator: Character = trimmed.contains("-") && !trimmed.contains(":") ? "-" : ":"
        let octets = trimmed.split(separator: separator, omittingEmptySubsequences: false)
        guard octets.count == 6 else { return nil }
        for octet in octets {
            guard octet.count == 2, octet.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        }
        return octets.map { $0.lowercased() }.joined(separator: ":")
    }
}

extension String {
    /// Trims ASCII spaces, tabs and line breaks (not Unicode whitespace: VMX, OVF and HTTP
    /// headers are ASCII-structured, and a no-break space inside a name is content).
    package func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\r" || first == "\n" {
            slice = slice.dropFirst()
        }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" || last == "\n" {
            slice = slice.dropLast()
        }
        return String(slice)
    }

    func hasCaseInsensitiveSuffix(_ suffix: String) -> Bool {
        lowercased().hasSuffix(suffix.lowercased())
    }
}
