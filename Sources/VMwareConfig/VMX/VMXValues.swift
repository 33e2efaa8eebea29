/// Typed reads of VMX values, each failing with a message that quotes the key as written
/// and its line, e.g. `vm.vmx: line 12: memSize "abc" is not a number`.
extension VMXDocument {
    /// The escape-decoded value, trimmed, or nil when absent.
    func text(_ key: String) throws(VMwareConfigError) -> String? {
        try string(key)?.trimmingSpaces()
    }

    /// The lowercased value, nil when absent or empty.
    func lowercased(_ key: String) throws(VMwareConfigError) -> String? {
        guard let value = try text(key), !value.isEmpty else { return nil }
        return value.lowercased()
    }

    /// A VMware boolean: TRUE/FALSE in any case (also yes/no, 1/0, on/off, which hand
    /// edits and old hosted products use). Absent or empty gives `defaultValue`.
    func bool(_ key: String, default defaultValue: Bool) throws(VMwareConfigError) -> Bool {
        guard let entry = entry(key) else { return defaultValue }
        switch entry.rawValue.trimmingSpaces().lowercased() {
        case "": return defaultValue
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw invalid(entry, "is not TRUE or FALSE")
        }
    }

    /// A decimal integer, nil when absent.
    func integer(_ key: String) throws(VMwareConfigError) -> Int? {
        guard let entry = entry(key) else { return nil }
        let value = entry.rawValue.trimmingSpaces()
        guard let number = Int(value) else {
            throw invalid(
                entry,
                value.allSatisfy({ $0.isNumber || $0 == "-" }) && !value.isEmpty
                    ? "is out of range" : "is not a number")
        }
        return number
    }

    /// A signed 64-bit decimal (`vm.genid` is printed signed), nil when absent.
    func int64(_ key: String) throws(VMwareConfigError) -> Int64? {
        guard let entry = entry(key) else { return nil }
        guard let number = Int64(entry.rawValue.trimmingSpaces()) else {
            throw invalid(entry, "is not a signed 64-bit number")
        }
        return number
    }

    /// A UUID in VMware's `"56 4d … 8d-d3 40 …"` form, normalised; nil when absent or empty.
    func uuid(_ key: String) throws(VMwareConfigError) -> String? {
        guard let entry = entry(key), !entry.rawValue.trimmingSpaces().isEmpty else { return nil }
        guard let uuid = Identifiers.uuid(entry.rawValue) else {
            throw invalid(entry, "is not a UUID (32 hex digits)")
        }
        return uuid
    }

    /// The error for a present but unusable value.
    func invalid(_ entry: Entry, _ problem: String) -> VMwareConfigError {
        VMwareConfigError(
            .invalidValue, file: file, key: entry.key, line: entry.line,
            "\(entry.key) \"\(VMXDocument.clip(entry.rawValue))\" \(problem)")
    }

    /// An error about `key` at its line (or without a line when it is absent).
    func error(_ code: VMwareConfigError.Code, _ key: String, _ message: String) -> VMwareConfigError {
        let entry = entry(key)
        return VMwareConfigError(code, file: file, key: entry?.key ?? key, line: entry?.line, message)
    }
}
