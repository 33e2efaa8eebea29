/// Random read access to a virtual disk's logical content: what the import engine uses.
public protocol DiskReader: Sendable {
    /// Size of the virtual disk in bytes.
    var capacity: UInt64 { get }

    /// Ordered runs covering exactly `[0, capacity)`, adjacent runs of the same kind merged.
    func allocationMap() throws(VMDKError) -> [AllocationRun]

    /// Fills the whole buffer with the logical bytes at `offset` (zeros for zero and
    /// unallocated ranges). Thread-safe: many threads may call it at once on one disk; it
    /// uses only `pread`, with no shared file position and no locks.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(VMDKError)
}
