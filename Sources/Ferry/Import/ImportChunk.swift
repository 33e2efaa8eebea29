import VMDK

/// A byte range of the logical disk that is written with one read and one or more RBD writes.
///
/// Chunks never cross an RBD object boundary, so every write touches exactly one object and
/// the writes of different chunks never contend for the same object.
public struct ImportChunk: Sendable, Hashable {
    public var offset: UInt64
    public var length: Int

    public var end: UInt64 { offset + UInt64(length) }
}

/// Turns an allocation map into the chunks worth writing.
public enum ChunkPlanner {
    /// One chunk per RBD object that holds any `data`, spanning from the first to the last
    /// data byte in that object, widened to the 4 KiB grid (clamped to the object and the
    /// disk) so that zero scans and content digests see the same blocks whoever reads.
    /// Zero and unallocated runs are never written: a new image reads as zeros. Gaps inside
    /// a chunk read as zeros and are dropped again by the zero scan.
    public static func chunks(for map: [AllocationRun], objectSize: UInt64, capacity: UInt64) -> [ImportChunk] {
        precondition(objectSize > 0 && objectSize & (objectSize - 1) == 0, "object size must be a power of two")
        var chunks: [ImportChunk] = []
        let grid = UInt64(ZeroScan.blockSize)
        func close(_ open: (object: UInt64, start: UInt64, end: UInt64)) {
            let start = max(open.object * objectSize, open.start / grid * grid)
            let end = min((open.object + 1) * objectSize, capacity, (open.end + grid - 1) / grid * grid)
            chunks.append(ImportChunk(offset: start, length: Int(end - start)))
        }
        var current: (object: UInt64, start: UInt64, end: UInt64)?
        for run in map where run.kind == .data && run.length > 0 {
            var position = run.offset
            let runEnd = run.offset + run.length
            while position < runEnd {
                let object = position / objectSize
                let pieceEnd = min(runEnd, (object + 1) * objectSize)
                if let open = current, open.object == object {
                    current = (object, open.start, pieceEnd)
                } else {
                    if let open = current { close(open) }
                    current = (object, position, pieceEnd)
                }
                position = pieceEnd
            }
        }
        if let open = current { close(open) }
        return chunks
    }
}
