/// An image named as the `rbd` CLI names it: `pool/image` or `pool/namespace/image`.
///
/// The one parser and printer of that syntax (command line, plans, domain XML).
public struct RBDSpec: Sendable, Hashable, CustomStringConvertible {
    public var pool: String
    public var namespace: String?
    public var image: String

    public init(pool: String, namespace: String? = nil, image: String) {
        self.pool = pool
        self.namespace = namespace
        self.image = image
    }

    /// Parses `pool/image` or `pool/namespace/image`; nil for any other shape or an empty part.
    public init?(parsing text: String) {
        guard let parts = RBDSpec.components(of: text, count: 2...3) else { return nil }
        self.init(pool: parts[0], namespace: parts.count == 3 ? parts[1] : nil, image: parts[parts.count - 1])
    }

    /// The pool (and namespace) the image lives in.
    public var poolSpec: RBDPoolSpec { RBDPoolSpec(pool: pool, namespace: namespace) }

    /// `pool/image` or `pool/namespace/image`, as parsed.
    public var description: String { [pool, namespace, image].compactMap { $0 }.joined(separator: "/") }

    /// `/`-separated, non-empty parts, `count` of them, or nil. Shared with ``RBDPoolSpec``.
    static func components(of text: String, count: ClosedRange<Int>) -> [String]? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard count.contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return parts
    }
}

/// A pool, optionally a RADOS namespace in it: `pool` or `pool/namespace`, as `--pool` and
/// plans' `pool` take it.
public struct RBDPoolSpec: Sendable, Hashable, CustomStringConvertible {
    public var pool: String
    public var namespace: String?

    public init(pool: String, namespace: String? = nil) {
        self.pool = pool
        self.namespace = namespace
    }

    /// Parses `pool` or `pool/namespace`; nil for any other shape or an empty part.
    public init?(parsing text: String) {
        guard let parts = RBDSpec.components(of: text, count: 1...2) else { return nil }
        self.init(pool: parts[0], namespace: parts.count == 2 ? parts[1] : nil)
    }

    public var description: String { [pool, namespace].compactMap { $0 }.joined(separator: "/") }
}
