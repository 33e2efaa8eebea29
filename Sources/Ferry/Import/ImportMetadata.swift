/// The RBD image metadata keys through which an import is resumable and its result trusted.
///
/// An image is finished only when `ferry.state` says `complete`; an image created by Ferry
/// without that key, or with any other value, is unfinished whatever else it holds.
enum ImportMetadata {
    static let state = "ferry.state"
    static let checkpoint = "ferry.checkpoint"
    static let source = "ferry.source"
    static let sourceIdentity = "ferry.source-identity"
    /// `ContentDigest` of the logical disk, computed from the source while importing.
    static let digest = "ferry.digest"
    static let importedAt = "ferry.imported-at"
    static let version = "ferry.version"

    enum State: String {
        case importing, complete
    }
}
