/// A file on a datastore as vSphere writes it: `[datastore1] web01/web01.vmdk`.
public struct DatastorePath: Sendable, Hashable, CustomStringConvertible {
    public var datastore: String
    /// The path inside the datastore, `/`-separated, no leading slash.
    public var path: String

    public init(datastore: String, path: String) {
        self.datastore = datastore
        self.path = path
    }

    /// Parses `[NAME] PATH`; nil for anything else.
    public init?(_ text: String) {
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]") else { return nil }
        let name = String(text[text.index(after: text.startIndex)..<close])
        let rest = text[text.index(after: close)...].drop { $0 == " " }
        guard !name.isEmpty else { return nil }
        self.init(datastore: name, path: String(rest))
    }

    public var description: String { "[\(datastore)] \(path)" }

    /// The folder part (`web01` of `web01/web01.vmdk`; empty at the datastore's root).
    public var folder: String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// The file name part.
    public var fileName: String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
