import VMDK

/// A byte range of the logical disk that is written with one read and one or more RBD writes.
///
/// Chunks never cross an RBD object boundary, so every write touches exactly one object and
/// the writes of different chunks never contend for the same object.
public struct ImportChunk: Sendable, Hashable {
    public var offset: UInt64
    public var length: Int
    /// The parts that hold data, relative to `offset`: sorted, disjoint, on the 4 KiB grid.
    /// The rest of the chunk is known to read as zeros, so it is neither read nor scanned.
    public var parts: [Range<Int>]

    public init(offset: UInt64, length: Int, parts: [Range<Int>]? = nil) {
        self.offset = offset
        self.length = length
        self.parts = parts ?? [0..<length]
    }

    public var end: UInt64 { offset + UInt64(length) }
    /// Bytes in the data parts: what is read, and what progress counts.
    public var dataLength: Int { parts.reduce(0) { $0 + $1.count } }
}

/// Turns an allocation map into the chunks worth writing.
public enum ChunkPlanner {
    /// One chunk per RBD object that holds any `data`, spanning from the first to the last
    /// data byte in that object, with the data runs as its parts. Parts are widened to the
    /// 4 KiB grid (clamped to the object and the disk) so that zero scans and content
    /// digests see the same blocks whoever reads; touching parts merge. Zero and
    /// unallocated runs are never read or written: a new image reads as zeros.
    public static func chunks(for map: [AllocationRun], objectSize: UInt64, capacity: UInt64) -> [ImportChunk] {
        precondition(objectSize > 0 && objectSize & (objectSize - 1) == 0, "object size must be a power of two")
        var chunks: [ImportChunk] = []
        let grid = UInt64(ZeroScan.blockSize)
        var object: UInt64?
        var parts: [Range<UInt64>] = []
        func close() {
            guard let first = parts.first, let last = parts.last else { return }
            chunks.append(
                ImportChunk(
                    offset: first.lowerBound, length: Int(last.upperBound - first.lowerBound),
                    parts: parts.map { Int($0.lowerBound - first.lowerBound)..<Int($0.upperBound - first.lowerBound) }))
            parts = []
        }
        for run in map where run.kind == .data && run.length > 0 {
            var position = run.offset
            let runEnd = run.offset + run.length
            while position < runEnd {
                let index = position / objectSize
                let objectEnd = min((index + 1) * objectSize, capacity)
                let pieceEnd = min(runEnd, objectEnd)
                if index != object {
                    close()
                    object = index
                }
                let start = max(index * objectSize, position / grid * grid)
                let end = min(objectEnd, (pieceEnd + grid - 1) / grid * grid)
                if let last = parts.last, start <= last.upperBound {
                    parts[parts.count - 1] = last.lowerBound..<max(last.upperBound, end)
                } else {
                    parts.append(start..<end)
                }
                position = pieceEnd
            }
        }
        close()
        return chunks
    }
}
