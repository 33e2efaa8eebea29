/// Reads the parent's bytes for a part of an extent this layer does not hold.
/// Arguments: the buffer to fill and the extent-relative offset of its first byte.
typealias ParentReader = (UnsafeMutableRawBufferPointer, UInt64) throws(VMDKError) -> Void

/// One extent: a contiguous piece of a layer's logical address space, backed by one file
/// (or by nothing, for ZERO extents). Offsets are bytes relative to the extent's start.
protocol Extent: Sendable {
    /// Logical size in bytes (the descriptor's sector count × 512).
    var length: UInt64 { get }
    /// What `ferry inspect` shows about this extent.
    var info: ExtentInfo { get }
    /// Things worth telling the user that do not stop the read (CBT, unclean shutdown, …).
    var warnings: [String] { get }

    /// Appends this extent's own runs (no parent) to `builder`, shifted by `base`.
    func appendAllocation(to builder: inout RunBuilder, base: UInt64) throws(VMDKError)

    /// Fills `buffer` with the bytes at `offset`; ranges this extent does not hold are
    /// handed to `parent`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, parent: ParentReader) throws(VMDKError)
}

extension Extent {
    var warnings: [String] { [] }
}

/// Sanity limits shared by every format. VMware caps a virtual disk at 62 TiB; anything
/// claiming more is corrupt or hostile and is refused before any table is allocated.
enum Limits {
    static let sectorSize: UInt64 = 512
    static let maximumCapacity: UInt64 = 64 << 40
    /// Largest grain accepted (16 MiB). VMware uses 64 KiB (hosted), 512 bytes (COWD) and
    /// 4 KiB (seSparse); qemu accepts up to 1 GiB, which only corrupt headers claim.
    static let maximumGrainSectors: UInt64 = 32768
    /// Largest grain directory accepted, in entries (qemu's bound as well).
    static let maximumDirectoryEntries: UInt64 = 32 << 20
    /// Upper bound on decoded grain-table memory per extent.
    static let maximumTableBytes: UInt64 = 1 << 30
}
