import DiskReading

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
