/// What the VMDK readers read: a ``ReadableFile`` with every range checked against its
/// length first, and errors that name the structure being read.
///
/// A disk is usually one whole local file, but inside an OVA it is a slice of the tar, and
/// an OVF `chunkSize` disk several slices back to back (``FileSlices``). Everything above
/// this type addresses bytes from 0 to `length` and never learns which case it is in.
struct RandomAccessFile: Sendable {
    let file: any ReadableFile

    init(_ file: any ReadableFile) { self.file = file }

    var length: UInt64 { file.length }
    /// The name used in errors: a path, or `archive.ova:member`.
    var displayPath: String { file.displayPath }

    /// `length` bytes of this file from `base`, named `displayPath`.
    func slice(base: UInt64, length: UInt64, displayPath: String) -> RandomAccessFile {
        RandomAccessFile(FileSlices(of: file, ranges: [(base, length)], displayPath: displayPath))
    }

    /// Fills `buffer` with the bytes at `offset`. Throws `.truncated` if the range passes
    /// the end (naming `field` when the caller knows which structure it was reading), and
    /// what the file throws otherwise.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, field: String? = nil) throws(VMDKError) {
        let count = UInt64(buffer.count)
        if count == 0 { return }
        guard offset <= length, count <= length - offset else {
            throw VMDKError(
                .truncated, file: displayPath, field: field, offset: offset,
                "needs \(count) bytes at offset \(offset) but the file is only \(length) bytes long")
        }
        try file.read(into: buffer, at: offset)
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

    /// The sub-ranges of `range` that hold data, or nil when the storage cannot tell (then
    /// every byte must be assumed to be data).
    func dataRanges(in range: Range<UInt64>) -> [Range<UInt64>]? {
        file.dataRanges(in: range)
    }
}
