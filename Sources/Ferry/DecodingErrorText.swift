import Yams

/// Says where a JSON or YAML document failed to decode, in the words an admin editing the
/// file needs ("missing \"uri\" at .nodes[1]"), instead of the nested enums Swift prints.
enum DecodingErrorText {
    static func describe(_ error: any Error) -> String {
        if let error = error as? YamlError { return describe(yaml: error) }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing \"\(key.stringValue)\" at \(path(context))"
        case .typeMismatch(let type, let context)?:
            return "wrong type at \(path(context)) (expected \(typeName(type)))"
        case .valueNotFound(_, let context)?:
            return "missing value at \(path(context))"
        case .dataCorrupted(let context)?:
            // YAMLDecoder wraps a syntax error as "The given data was not valid YAML."; the
            // line and column are in the underlying error.
            if let yaml = context.underlyingError as? YamlError { return describe(yaml: yaml) }
            if context.codingPath.isEmpty { return context.debugDescription }
            return "bad value at \(path(context)): \(context.debugDescription)"
        default:
            return String(describing: error)
        }
    }

    /// Yams prints parse errors over several lines with a caret under the problem; one line instead.
    private static func describe(yaml error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return [context?.text, problem].compactMap { $0 }.joined(separator: ", ")
                + " at line \(mark.line), column \(mark.column)"
        case .reader(let problem, _, _, _):
            return problem
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "duplicate key \(duplicates.sorted().joined(separator: ", ")) at line \(context.mark.line)"
        default:
            return String(describing: error).split(separator: "\n").joined(separator: " ")
        }
    }

    static func path(_ context: DecodingError.Context) -> String {
        let parts = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }
        return parts.isEmpty ? "the top level" : parts.joined()
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type, is UInt64.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        // What Yams names as the expected type.
        case is Node.Sequence.Type: "a list"
        case is Node.Mapping.Type: "a mapping"
        case is Node.Scalar.Type: "a single value"
        default: "\(type)".lowercased().contains("array") ? "a list" : "a mapping"
        }
    }
}
