import CDeflate

/// Per-read state for inflating streamOptimized grains: a libdeflate decompressor, a
/// window of file bytes and a scratch grain.
///
/// One session lives for one `read` call on one thread, so concurrent readers never share
/// a decompressor. Grains of a stream are written in order, so the window is filled with
/// one `pread` covering all markers the read needs (`prefetchEnd`), instead of one small
/// read per grain.
final class InflateSession {
    private let decompressor: OpaquePointer?
    /// File bytes `[windowStart, windowStart + windowCount)`.
    private var window: UnsafeMutableRawBufferPointer
    private var windowStart: UInt64 = 0
    private var windowCount = 0
    /// A whole grain, for grains the caller only wants part of.
    let scratch: UnsafeMutableRawBufferPointer
    /// Where the compressed data this read needs probably ends (a hint for prefetching).
    let prefetchEnd: UInt64
    /// No marker or compressed byte may lie at or past this file offset (the footer).
    let windowLimit: UInt64

    /// Most that is read ahead in one go.
    static let maximumWindow = 16 << 20

    init(grainSize: Int, prefetchEnd: UInt64, windowLimit: UInt64) {
        decompressor = libdeflate_alloc_decompressor()
        window = UnsafeMutableRawBufferPointer.allocate(byteCount: 0, alignment: 16)
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: grainSize, alignment: 16)
        self.prefetchEnd = prefetchEnd
        self.windowLimit = windowLimit
    }

    deinit {
        if let decompressor { libdeflate_free_decompressor(decompressor) }
        window.deallocate()
        scratch.deallocate()
    }

    /// The file bytes `[offset, offset + count)`, reading ahead towards `prefetchEnd`.
    func bytes(_ file: RandomAccessFile, at offset: UInt64, count: Int, field: String) throws(VMDKError)
        -> UnsafeRawBufferPointer
    {
        if offset >= windowStart, offset + UInt64(count) <= windowStart + UInt64(windowCount) {
            let from = Int(offset - windowStart)
            return UnsafeRawBufferPointer(rebasing: window[from..<(from + count)])
        }
        guard offset <= windowLimit, UInt64(count) <= windowLimit - offset else {
            throw VMDKError(
                .outOfBounds, file: file.displayPath, field: field, offset: offset,
                "compressed grain runs past the end of the grain area (\(hex(windowLimit)))")
        }
        let wanted = max(
            UInt64(count), min(prefetchEnd > offset ? prefetchEnd - offset : 0, UInt64(Self.maximumWindow)))
        let size = Int(min(wanted, windowLimit - offset))
        if window.count < size {
            window.deallocate()
            window = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        }
        let target = UnsafeMutableRawBufferPointer(rebasing: window[0..<size])
        try file.read(into: target, at: offset, field: field)
        windowStart = offset
        windowCount = size
        return UnsafeRawBufferPointer(rebasing: window[0..<count])
    }

    /// Inflates one zlib stream into `output`; returns the inflated size, or nil if the
    /// stream is corrupt, does not end within `input`, or inflates to more than `output`.
    func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> (
        result: InflateResult, produced: Int, consumed: Int
    ) {
        guard let decompressor else { return (.outOfMemory, 0, 0) }
        var consumed = 0
        var produced = 0
        let status = libdeflate_zlib_decompress_ex(
            decompressor, input.baseAddress, input.count, output.baseAddress, output.count, &consumed, &produced)
        switch status {
        case LIBDEFLATE_SUCCESS: return (.ok, produced, consumed)
        case LIBDEFLATE_INSUFFICIENT_SPACE: return (.tooLarge, produced, consumed)
        default: return (.corrupt, produced, consumed)
        }
    }

    enum InflateResult { case ok, corrupt, tooLarge, outOfMemory }

    /// Inflates the compressed grain `input` (the bytes after its marker) into `output`,
    /// which must hold a whole grain, and checks it: a valid zlib stream that uses every
    /// byte the marker announced and inflates to `grainBytes`, or to `expected` (the bytes
    /// of the grain inside the disk) for a disk whose size is not a whole number of grains
    /// — VMware writes a full last grain, qemu-img only the part inside the disk.
    func inflateGrain(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, grainBytes: Int, expected: Int,
        path: String, grain: Int, marker: UInt64
    ) throws(VMDKError) {
        let (result, produced, consumed) = inflate(input, into: output)
        guard result == .ok, produced == grainBytes || produced == expected, consumed == input.count else {
            let why: String
            switch result {
            case .ok where consumed != input.count:
                why = "ends after \(consumed) of its \(input.count) bytes (the marker size is wrong)"
            case .ok: why = "inflates to \(produced) bytes instead of \(expected)"
            case .tooLarge: why = "inflates to more than one grain (\(grainBytes) bytes)"
            case .corrupt: why = "is not a valid zlib/deflate stream"
            case .outOfMemory: why = "could not be inflated: out of memory"
            }
            throw VMDKError(
                .corruptGrain, file: path, field: "compressed grain \(grain)", offset: marker, "compressed grain \(why)"
            )
        }
    }
}
