/// Finds the parts of a buffer that are not all zeros, so zero runs inside allocated grains
/// (common in thick and flat disks) are never written to the cluster.
enum ZeroScan {
    /// Granularity of the scan: a block is skipped only if all its bytes are zero. 4 KiB
    /// matches guest file-system blocks, and bluestore's allocation unit.
    public static let blockSize = 4096

    /// Ranges (start, count) of `buffer` holding any non-zero byte, at block granularity.
    public static func nonZeroRanges(_ buffer: UnsafeRawBufferPointer) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var openStart: Int?
        var position = 0
        while position < buffer.count {
            let end = min(position + blockSize, buffer.count)
            let zero = isZero(UnsafeRawBufferPointer(rebasing: buffer[position..<end]))
            if zero, let start = openStart {
                ranges.append(start..<position)
                openStart = nil
            } else if !zero, openStart == nil {
                openStart = position
            }
            position = end
        }
        if let start = openStart { ranges.append(start..<buffer.count) }
        return ranges
    }

    /// Non-zero ranges of `buffer` looking only inside `parts` (sorted, disjoint, on the
    /// block grid); bytes outside them are known zeros and never read. Runs that touch across
    /// two parts merge, so the result is the same as scanning the whole buffer would give.
    public static func nonZeroRanges(_ buffer: UnsafeRawBufferPointer, within parts: [Range<Int>]) -> [Range<Int>] {
        var merged: [Range<Int>] = []
        for part in parts {
            for range in nonZeroRanges(UnsafeRawBufferPointer(rebasing: buffer[part])) {
                let shifted = (range.lowerBound + part.lowerBound)..<(range.upperBound + part.lowerBound)
                if let last = merged.last, last.upperBound == shifted.lowerBound {
                    merged[merged.count - 1] = last.lowerBound..<shifted.upperBound
                } else {
                    merged.append(shifted)
                }
            }
        }
        return merged
    }

    /// Zero gaps shorter than this between two non-zero runs are written anyway: each RBD
    /// write costs the OSD a transaction, and a file system's data is fragmented into many
    /// short runs, so fewer, longer writes beat skipping a few zero blocks.
    public static let smallestSkippedGap = 64 * 1024

    /// `ranges` with short zero gaps filled in, for writing — only where the gap lies inside
    /// one data part (bytes between parts were never read and must not be written).
    public static func coalesced(_ ranges: [Range<Int>], within parts: [Range<Int>]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for range in ranges {
            if let last = result.last, range.lowerBound - last.upperBound < smallestSkippedGap,
                parts.contains(where: { $0.lowerBound <= last.lowerBound && range.upperBound <= $0.upperBound })
            {
                result[result.count - 1] = last.lowerBound..<range.upperBound
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// Word-wise test; the loads are unaligned-safe and the compiler vectorises the OR.
    @inline(__always)
    static func isZero(_ block: UnsafeRawBufferPointer) -> Bool {
        let words = block.count / 8
        var accumulator: UInt64 = 0
        for index in 0..<words {
            accumulator |= block.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
        }
        for index in (words * 8)..<block.count {
            accumulator |= UInt64(block[index])
        }
        return accumulator == 0
    }
}
