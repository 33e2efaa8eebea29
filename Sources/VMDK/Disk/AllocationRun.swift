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

/// Appends runs in order, merging a run into the previous one when they touch and agree.
struct RunBuilder {
    private(set) var runs: [AllocationRun] = []

    mutating func append(offset: UInt64, length: UInt64, kind: AllocationKind) {
        guard length > 0 else { return }
        if let last = runs.last, last.kind == kind, last.end == offset {
            runs[runs.count - 1].length += length
        } else {
            runs.append(AllocationRun(offset: offset, length: length, kind: kind))
        }
    }
}

/// A child layer's map over its parent's: where the child is `unallocated` the parent's
/// runs show through; `data` and `zero` in the child hide the parent (a zeroed grain in a
/// snapshot means "this was zeroed after the snapshot", not "look below").
func overlay(_ child: [AllocationRun], on parent: [AllocationRun]) -> [AllocationRun] {
    var builder = RunBuilder()
    var parentIndex = 0
    for run in child {
        guard run.kind == .unallocated else {
            builder.append(offset: run.offset, length: run.length, kind: run.kind)
            continue
        }
        var position = run.offset
        while position < run.end {
            while parentIndex < parent.count, parent[parentIndex].end <= position { parentIndex += 1 }
            guard parentIndex < parent.count, parent[parentIndex].offset <= position else {
                // The parent is shorter than the child: the rest reads as zeros.
                builder.append(offset: position, length: run.end - position, kind: .unallocated)
                break
            }
            let piece = parent[parentIndex]
            let end = min(piece.end, run.end)
            builder.append(offset: position, length: end - position, kind: piece.kind)
            position = end
        }
    }
    return builder.runs
}
