/// What an import did, for the CLI's last line and for job records.
public struct ImportResult: Sendable, Codable {
    public var image: String
    public var capacity: UInt64
    /// Allocated bytes of the source (what had to be covered).
    public var allocatedBytes: UInt64
    /// Bytes actually written (allocated minus zero blocks, minus resumed work).
    public var writtenBytes: UInt64
    public var resumedFromOffset: UInt64
    public var elapsedSeconds: Double
    public var verified: Bool
    public var snapshot: String?
    /// The content digest recorded in the image's metadata (`ContentDigest`).
    public var digest: String
}
