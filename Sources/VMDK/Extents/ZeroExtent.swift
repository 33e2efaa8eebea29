/// A `ZERO` extent: a range with no backing file that reads as zeros.
struct ZeroExtent: Extent {
    let length: UInt64
    let info: ExtentInfo

    func appendAllocation(to builder: inout RunBuilder, base: UInt64) throws(VMDKError) {
        builder.append(offset: base, length: length, kind: .zero)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, parent: ParentReader) throws(VMDKError) {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
    }
}
