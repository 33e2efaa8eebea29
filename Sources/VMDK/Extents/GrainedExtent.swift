/// Where one grain of a sparse extent is.
enum GrainLocation: Equatable {
    /// Not in this layer: the parent (or zeros) shows through.
    case unallocated
    /// Explicitly zero in this layer.
    case zero
    /// Stored uncompressed at this byte offset of the extent file.
    case stored(UInt64)
    /// A compressed grain whose marker starts at this byte offset.
    case compressed(UInt64)
}

/// What hosted sparse, COWD and seSparse extents share: a grain size, a table lookup, and
/// the read loop that turns a byte range into as few `pread`s as the layout allows.
protocol GrainedExtent: Extent {
    var file: RandomAccessFile { get }
    /// Grain size in bytes (a power of two).
    var grainSize: UInt64 { get }
    var grainsPerTable: Int { get }
    /// True if the whole table is missing, so its grains are all unallocated.
    func tableIsAbsent(_ table: Int) -> Bool
    /// The grain's location; only valid for grains below `length`.
    func location(ofGrain grain: Int) -> GrainLocation
    /// Inflates compressed grains; only hosted sparse (streamOptimized) has them.
    func readCompressed(
        grain: Int, marker: UInt64, into buffer: UnsafeMutableRawBufferPointer, at inGrain: UInt64,
        session: InflateSession
    ) throws(VMDKError)
    /// Sets up inflation for a read of `count` bytes at `offset`.
    func makeInflateSession(forReadAt offset: UInt64, count: Int) -> InflateSession
}

extension GrainedExtent {
    var grainCount: Int { Int((length + grainSize - 1) / grainSize) }

    func readCompressed(
        grain: Int, marker: UInt64, into buffer: UnsafeMutableRawBufferPointer, at inGrain: UInt64,
        session: InflateSession
    ) throws(VMDKError) {
        throw VMDKError(.unsupported, file: file.displayPath, "compressed grains in a format that has none")
    }

    func makeInflateSession(forReadAt offset: UInt64, count: Int) -> InflateSession {
        InflateSession(grainSize: Int(grainSize), prefetchEnd: 0, windowLimit: 0)
    }

    func appendAllocation(to builder: inout RunBuilder, base: UInt64) throws(VMDKError) {
        let grains = grainCount
        var grain = 0
        while grain < grains {
            let table = grain / grainsPerTable
            if tableIsAbsent(table) {
                let end = min((table + 1) * grainsPerTable, grains)
                append(&builder, base: base, grains: grain..<end, kind: .unallocated)
                grain = end
                continue
            }
            let kind: AllocationKind
            switch location(ofGrain: grain) {
            case .unallocated: kind = .unallocated
            case .zero: kind = .zero
            case .stored, .compressed: kind = .data
            }
            append(&builder, base: base, grains: grain..<(grain + 1), kind: kind)
            grain += 1
        }
    }

    private func append(_ builder: inout RunBuilder, base: UInt64, grains: Range<Int>, kind: AllocationKind) {
        let start = UInt64(grains.lowerBound) * grainSize
        let end = min(UInt64(grains.upperBound) * grainSize, length)
        builder.append(offset: base + start, length: end - start, kind: kind)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, parent: ParentReader) throws(VMDKError) {
        var session: InflateSession?
        var done = 0
        let total = buffer.count
        while done < total {
            let position = offset + UInt64(done)
            let grain = Int(position / grainSize)
            let inGrain = position % grainSize
            let remaining = UInt64(total - done)
            var runLength = min(grainSize - inGrain, remaining)
            let location = location(ofGrain: grain)

            // Extend the run over following grains that can be served by the same action:
            // same kind for unallocated/zero, physically contiguous for stored grains.
            var next = grain + 1
            switch location {
            case .unallocated, .zero:
                while runLength < remaining, self.location(ofGrain: next) == location {
                    runLength = min(runLength + grainSize, remaining)
                    next += 1
                }
            case .stored(let physical):
                while runLength < remaining,
                    self.location(ofGrain: next) == .stored(physical + UInt64(next - grain) * grainSize)
                {
                    runLength = min(runLength + grainSize, remaining)
                    next += 1
                }
            case .compressed:
                break
            }

            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + Int(runLength))])
            switch location {
            case .unallocated:
                try parent(slice, position)
            case .zero:
                slice.initializeMemory(as: UInt8.self, repeating: 0)
            case .stored(let physical):
                try file.read(into: slice, at: physical + inGrain, field: "grain")
            case .compressed(let marker):
                if session == nil { session = makeInflateSession(forReadAt: offset, count: total) }
                try readCompressed(grain: grain, marker: marker, into: slice, at: inGrain, session: session!)
            }
            done += Int(runLength)
        }
    }
}
