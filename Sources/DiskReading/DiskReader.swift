/// Random read access to a virtual disk's logical content: the contract between the disk
/// readers (the VMDK module's `VirtualDisk`, or any other format a source brings) and the
/// import engine, which plans its writes from the allocation map and reads only what it
/// holds.
public protocol DiskReader: Sendable {
    /// Size of the virtual disk in bytes.
    var capacity: UInt64 { get }

    /// Ordered runs covering exactly `[0, capacity)`, adjacent runs of the same kind merged.
    func allocationMap() throws -> [AllocationRun]

    /// Fills the whole buffer with the logical bytes at `offset` (zeros for zero and
    /// unallocated ranges). Thread-safe: many threads may call it at once on one disk, with
    /// no shared file position and no locks.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws
}
