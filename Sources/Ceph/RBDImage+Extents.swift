import CCeph

extension RBDImage {
    /// The parts of `range` that hold data in the image's head, in offset order
    /// (`rbd_diff_iterate2` from the image's creation). With `wholeObject` each part is a
    /// whole RBD object, found from the object map when fast-diff is on. What is not listed
    /// reads as zeros: librbd's own reads answer those from the same object map.
    public func allocatedExtents(in range: Range<UInt64>, wholeObject: Bool) throws(CephError) -> [Range<UInt64>] {
        final class Collector {
            var extents: [Range<UInt64>] = []
        }
        let collector = Collector()
        try withExtendedLifetime(collector) { () throws(CephError) in
            let argument = Unmanaged.passUnretained(collector).toOpaque()
            try call("rbd diff iterate", offset: range.lowerBound) { image in
                rbd_diff_iterate2(
                    image, nil, range.lowerBound, range.upperBound - range.lowerBound, 0, wholeObject ? 1 : 0,
                    { offset, length, exists, argument in
                        guard exists != 0, length > 0, let argument else { return 0 }
                        let collector = Unmanaged<Collector>.fromOpaque(argument).takeUnretainedValue()
                        collector.extents.append(offset..<(offset + UInt64(length)))
                        return 0
                    }, argument)
            }
        }
        return collector.extents
    }
}
