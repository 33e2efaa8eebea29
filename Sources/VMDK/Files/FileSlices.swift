/// A file made of slices of another file, read back to back: a disk inside an OVA is a
/// slice of the tar, and an OVF `chunkSize` disk several slices of it.
final class FileSlices: ReadableFile {
    private struct Slice: Sendable {
        /// Where the slice starts in the underlying file.
        let base: UInt64
        let length: UInt64
        /// Where the slice starts in this file.
        let start: UInt64
    }

    let displayPath: String
    let length: UInt64
    private let file: any ReadableFile
    private let slices: [Slice]

    /// `ranges` of `file` (each `base`, `length`), concatenated; empty ones are dropped.
    init(of file: any ReadableFile, ranges: [(base: UInt64, length: UInt64)], displayPath: String) {
        var start: UInt64 = 0
        var slices: [Slice] = []
        for range in ranges where range.length > 0 {
            slices.append(Slice(base: range.base, length: range.length, start: start))
            start += range.length
        }
        self.file = file
        self.slices = slices
        self.length = start
        self.displayPath = displayPath
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(VMDKError) {
        let count = UInt64(buffer.count)
        var done: UInt64 = 0
        var index = sliceIndex(containing: offset)
        while done < count {
            let slice = slices[index]
            let position = offset + done - slice.start
            let chunk = min(count - done, slice.length - position)
            try file.read(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[Int(done)..<Int(done + chunk)]),
                at: slice.base + position)
            done += chunk
            index += 1
        }
    }

    func dataRanges(in range: Range<UInt64>) -> [Range<UInt64>]? {
        var result: [Range<UInt64>] = []
        var index = sliceIndex(containing: range.lowerBound)
        while index < slices.count, slices[index].start < range.upperBound {
            let slice = slices[index]
            let lower = max(range.lowerBound, slice.start) - slice.start + slice.base
            let upper = min(range.upperBound, slice.start + slice.length) - slice.start + slice.base
            guard let pieces = file.dataRanges(in: lower..<upper) else { return nil }
            for piece in pieces {
                let logical = (piece.lowerBound - slice.base + slice.start)..<(piece.upperBound - slice.base + slice.start)
                if let last = result.last, last.upperBound == logical.lowerBound {
                    result[result.count - 1] = last.lowerBound..<logical.upperBound
                } else {
                    result.append(logical)
                }
            }
            index += 1
        }
        return result
    }

    /// The archive's file is owned by whoever opened the archive; closing a member closes
    /// it too, as closing a disk must release everything it reads.
    func close() { file.close() }

    private func sliceIndex(containing offset: UInt64) -> Int {
        if slices.count <= 1 { return 0 }
        var low = 0
        var high = slices.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if slices[mid].start <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }
}
