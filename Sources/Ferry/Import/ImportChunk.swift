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
    /// data byte in that object. Zero and unallocated runs are never written: a new image
    /// reads as zeros. Gaps inside a chunk read as zeros and are dropped again by the zero scan.
    public static func chunks(for map: [AllocationRun], objectSize: UInt64) -> [ImportChunk] {
        precondition(objectSize > 0 && objectSize & (objectSize - 1) == 0, "object size must be a power of two")
        var chunks: [ImportChunk] = []
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
                    if let open = current {
                        chunks.append(ImportChunk(offset: open.start, length: Int(open.end - open.start)))
                    }
                    current = (object, position, pieceEnd)
                }
                position = pieceEnd
            }
        }
        if let open = current {
            chunks.append(ImportChunk(offset: open.start, length: Int(open.end - open.start)))
        }
        return chunks
    }
}
