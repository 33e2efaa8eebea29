import VMDK

/// A byte range of the logical disk that is written with one read and one or more RBD writes.
///
/// Chunks never cross an RBD object boundary, so every write touches exactly one object and
/// the writes of different chunks never contend for the same object.
struct ImportChunk: Sendable, Hashable {
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
enum ChunkPlanner {
    /// Every chunk of ``ChunkCursor`` at once (for tests and small maps; imports walk the
    /// cursor, so memory does not grow with the disk).
    public static func chunks(for map: [AllocationRun], objectSize: UInt64, capacity: UInt64) -> [ImportChunk] {
        var cursor = ChunkCursor(map: map, objectSize: objectSize, capacity: capacity)
        var chunks: [ImportChunk] = []
        while let chunk = cursor.next() { chunks.append(chunk) }
        return chunks
    }
}

/// Walks an allocation map and yields, in disk order, one chunk per RBD object that holds
/// any `data`, spanning from the first to the last data byte in that object, with the data
/// runs as its parts. Parts are widened to the 4 KiB grid (clamped to the object and the
/// disk) so that zero scans and content digests see the same blocks whoever reads; touching
/// parts merge. Zero and unallocated runs are never read or written: a new image reads as
/// zeros.
///
/// Chunks are made one at a time: a list of them cost ~90 bytes per object, 45 MiB for a
/// fully allocated 2 TiB disk.
struct ChunkCursor: Sendable {
    private let map: [AllocationRun]
    private let objectSize: UInt64
    private let capacity: UInt64
    private var runIndex = 0
    /// Where the walk is inside `map[runIndex]`; nil at its start.
    private var position: UInt64?
    /// The object whose parts are being gathered, and those parts (absolute offsets).
    private var object: UInt64?
    private var parts: [Range<UInt64>] = []

    public init(map: [AllocationRun], objectSize: UInt64, capacity: UInt64) {
        precondition(objectSize > 0 && objectSize & (objectSize - 1) == 0, "object size must be a power of two")
        self.map = map
        self.objectSize = objectSize
        self.capacity = capacity
    }

    /// The next chunk in disk order, or nil after the last.
    public mutating func next() -> ImportChunk? {
        let grid = UInt64(ZeroScan.blockSize)
        while runIndex < map.count {
            let run = map[runIndex]
            let runEnd = run.offset + run.length
            let start = position ?? run.offset
            guard run.kind == .data, start < runEnd else {
                runIndex += 1
                position = nil
                continue
            }
            let index = start / objectSize
            if index != object {
                // This run reaches a new object: the gathered one is complete. The piece is
                // taken on the next call.
                let finished = close()
                object = index
                if let finished { return finished }
            }
            let objectEnd = min((index + 1) * objectSize, capacity)
            let pieceEnd = min(runEnd, objectEnd)
            let partStart = max(index * objectSize, start / grid * grid)
            let partEnd = min(objectEnd, (pieceEnd + grid - 1) / grid * grid)
            if let last = parts.last, partStart <= last.upperBound {
                parts[parts.count - 1] = last.lowerBound..<max(last.upperBound, partEnd)
            } else {
                parts.append(partStart..<partEnd)
            }
            position = pieceEnd
        }
        return close()
    }

    private mutating func close() -> ImportChunk? {
        guard let first = parts.first, let last = parts.last else { return nil }
        defer { parts = [] }
        return ImportChunk(
            offset: first.lowerBound, length: Int(last.upperBound - first.lowerBound),
            parts: parts.map { Int($0.lowerBound - first.lowerBound)..<Int($0.upperBound - first.lowerBound) })
    }
}
