/// How ``VirtualDisk/open(_:options:)`` may reach beyond the file it is given.
public struct OpenOptions: Sendable {
    /// Extra absolute folders (datastore roots) that extents and parents may live in,
    /// besides the folder of the file that refers to them.
    public var allowedRoots: [String]
    /// Longest snapshot chain accepted (VMware supports 32 snapshots per disk).
    public var maximumChainDepth: Int
    /// Check OVA members against the archive's `.mf` manifest before reading.
    public var verifyManifest: Bool

    public init(allowedRoots: [String] = [], maximumChainDepth: Int = 64, verifyManifest: Bool = true) {
        self.allowedRoots = allowedRoots
        self.maximumChainDepth = maximumChainDepth
        self.verifyManifest = verifyManifest
    }
}
