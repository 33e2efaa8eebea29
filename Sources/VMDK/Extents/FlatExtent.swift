/// A `FLAT` or `VMFS` extent: the bytes live as-is in a plain file, from `offset`.
/// Used by monolithicFlat, twoGbMaxExtentFlat and every ESXi thick/thin disk
/// (`disk.vmdk` + `disk-flat.vmdk`).
struct FlatExtent: Extent {
    let file: RandomAccessFile
    /// Where the extent starts inside `file`.
    let base: UInt64
    let length: UInt64
    let info: ExtentInfo

    /// Checks that the file really holds `length` bytes from `base`; qemu reads zeros past
    /// the end of a short flat file, which would silently turn a truncated copy into a
    /// "successful" migration.
    init(file: RandomAccessFile, base: UInt64, length: UInt64, info: ExtentInfo) throws(VMDKError) {
        guard base <= file.length, length <= file.length - base else {
            throw VMDKError(
                .sizeMismatch, file: file.displayPath,
                "flat extent needs \(length) bytes from offset \(base) but the file has only \(file.length)")
        }
        self.file = file
        self.base = base
        self.length = length
        self.info = info
    }

    /// File holes (SEEK_HOLE) are reported as `zero`: a flat base disk has no parent, so a
    /// hole and a zero range read the same, and the importer can skip both.
    func appendAllocation(to builder: inout RunBuilder, base offsetBase: UInt64) throws(VMDKError) {
        guard let ranges = file.dataRanges(in: base..<(base + length)) else {
            builder.append(offset: offsetBase, length: length, kind: .data)
            return
        }
        var position = base
        for range in ranges {
            builder.append(offset: offsetBase + position - base, length: range.lowerBound - position, kind: .zero)
            builder.append(offset: offsetBase + range.lowerBound - base, length: range.byteCount, kind: .data)
            position = range.upperBound
        }
        builder.append(offset: offsetBase + position - base, length: base + length - position, kind: .zero)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, parent: ParentReader) throws(VMDKError) {
        try file.read(into: buffer, at: base + offset)
    }
}

extension Range where Bound == UInt64 {
    var byteCount: UInt64 { upperBound - lowerBound }
}
