/// What a range of the virtual disk holds.
public enum AllocationKind: String, Sendable, Hashable, Codable {
    /// Stored bytes (which may still happen to be zero).
    case data
    /// Known to read as zeros: a zeroed grain, a ZERO extent, a hole in a flat file.
    case zero
    /// Not stored in this disk or any parent: reads as zeros.
    case unallocated
}

/// A byte range of the logical disk and what it holds.
public struct AllocationRun: Sendable, Hashable, Codable {
    public var offset: UInt64
    public var length: UInt64
    public var kind: AllocationKind

    public init(offset: UInt64, length: UInt64, kind: AllocationKind) {
        self.offset = offset
        self.length = length
        self.kind = kind
    }

    public var end: UInt64 { offset + length }
}
