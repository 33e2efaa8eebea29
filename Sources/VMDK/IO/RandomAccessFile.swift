#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only byte range made of one or more slices of open files.
///
/// A disk is usually one whole file, but inside an OVA it is a slice of the tar, and an
/// OVF `chunkSize` disk is several slices of the tar concatenated. Everything above this
/// type addresses bytes from 0 to `length` and never learns which case it is in.
struct RandomAccessFile: Sendable {
    struct Segment: Sendable {
        let file: OpenFile
        /// Where the slice starts in `file`.
        let base: UInt64
        let length: UInt64
        /// Where the slice starts in this `RandomAccessFile`.
        let start: UInt64
    }

    let segments: [Segment]
    let length: UInt64
    /// The name used in errors: a path, or `archive.ova:member`.
    let displayPath: String

    /// The whole of `file`.
    init(_ file: OpenFile) {
        self.init(file, base: 0, length: file.size, displayPath: file.displayPath)
    }

    /// `length` bytes of `file` from `base`.
    init(_ file: OpenFile, base: UInt64, length: UInt64, displayPath: String) {
        self.segments = [Segment(file: file, base: base, length: length, start: 0)]
        self.length = length
        self.displayPath = displayPath
    }

    /// Several slices, read back to back.
    init(slices: [(file: OpenFile, base: UInt64, length: UInt64)], displayPath: String) {
        var start: UInt64 = 0
        var segments: [Segment] = []
        for slice in slices where slice.length > 0 {
            segments.append(Segment(file: slice.file, base: slice.base, length: slice.length, start: start))
            start += slice.length
        }
        self.segments = segments
        self.length = start
        self.displayPath = displayPath
    }

    /// Fills `buffer` with the bytes at `offset`. Wraps `pread(2)`, retrying on EINTR and
    /// short reads. Throws `.truncated` if the range passes the end (naming `field` when the
    /// caller knows which structure it was reading), `.io` if the kernel fails.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, field: String? = nil) throws(VMDKError) {
        let count = UInt64(buffer.count)
        if count == 0 { return }
        guard offset <= length, count <= length - offset else {
            throw VMDKError(
                .truncated, file: displayPath, field: field, offset: offset,
                "needs \(count) bytes at offset \(offset) but the file is only \(length) bytes long")
        }
        var done: UInt64 = 0
        var index = segmentIndex(containing: offset)
        while done < count {
            let segment = segments[index]
            let position = offset + done - segment.start
            let chunk = min(count - done, segment.length - position)
            try Self.preadFully(
                segment.file, into: UnsafeMutableRawBufferPointer(rebasing: buffer[Int(done)..<Int(done + chunk)]),
                at: segment.base + position, displayPath: displayPath)
            done += chunk
            index += 1
        }
    }

    /// Reads `count` bytes at `offset` into a new array.
    func bytes(at offset: UInt64, count: Int, field: String? = nil) throws(VMDKError) -> [UInt8] {
        // Array's buffer accessors are untyped `rethrows`, so the error is carried out by hand.
        var result = [UInt8](repeating: 0, count: count)
        var failure: VMDKError?
        result.withUnsafeMutableBytes { raw in
            do throws(VMDKError) { try read(into: raw, at: offset, field: field) } catch { failure = error }
        }
        if let failure { throw failure }
        return result
    }

    /// The sub-ranges of `range` that hold data according to `lseek(SEEK_DATA/SEEK_HOLE)`,
    /// or nil when the file system cannot tell (then every byte must be assumed to be data).
    func dataRanges(in range: Range<UInt64>) -> [Range<UInt64>]? {
        // Glibc only defines SEEK_DATA/SEEK_HOLE under _GNU_SOURCE, which Swift does not
        // import, so the Linux values are spelled out.
        let seekData: Int32 = 3
        let seekHole: Int32 = 4
        var result: [Range<UInt64>] = []
        var index = segmentIndex(containing: range.lowerBound)
        while index < segments.count, segments[index].start < range.upperBound {
            let segment = segments[index]
            guard let fd = try? segment.file.fileDescriptor() else { return nil }
            let lower = max(range.lowerBound, segment.start) - segment.start + segment.base
            let upper = min(range.upperBound, segment.start + segment.length) - segment.start + segment.base
            var position = lower
            while position < upper {
                let data = lseek(fd, off_t(position), seekData)
                if data < 0 {
                    if errno == ENXIO { break }  // only a hole remains up to EOF
                    return nil
                }
                if UInt64(data) >= upper { break }
                let hole = lseek(fd, data, seekHole)
                if hole < 0 { return nil }
                let end = min(UInt64(hole), upper)
                let logical = (UInt64(data) - segment.base + segment.start)..<(end - segment.base + segment.start)
                if let last = result.last, last.upperBound == logical.lowerBound {
                    result[result.count - 1] = last.lowerBound..<logical.upperBound
                } else {
                    result.append(logical)
                }
                position = end
            }
            index += 1
        }
        return result
    }

    private func segmentIndex(containing offset: UInt64) -> Int {
        if segments.count == 1 { return 0 }
        var low = 0
        var high = segments.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if segments[mid].start <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    private static func preadFully(
        _ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, displayPath: String
    ) throws(VMDKError) {
        let fd = try file.fileDescriptor()
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + UInt64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                throw VMDKError.system("pread", errno: errno, file: displayPath, offset: offset + UInt64(done))
            }
            if n == 0 {
                // The file shrank after it was opened: never hand back the zeros we did not read.
                throw VMDKError(
                    .truncated, file: displayPath, offset: offset + UInt64(done),
                    "file ended early while reading (was it truncated while open?)")
            }
            done += n
        }
    }
}
