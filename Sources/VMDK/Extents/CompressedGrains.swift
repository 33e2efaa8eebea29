/// The compressed grains of one piece of a stream, copied out of the stream so they can be
/// inflated on another thread while the stream moves on.
///
/// Each import reader thread owns one: it fills it while holding the stream's lock (a copy,
/// nothing more), then inflates outside the lock, so inflation runs on every reader at once
/// while the stream itself is read strictly in order.
public final class CompressedGrains {
    struct Entry {
        let grain: Int
        /// Where the grain's marker is in the stream, for errors.
        let marker: UInt64
        let start: Int
        let size: Int
    }

    private var storage: UnsafeMutableRawBufferPointer
    private var used = 0
    private(set) var entries: [Entry] = []
    private let session: InflateSession
    private let grainSize: UInt64
    private let capacity: UInt64
    private let path: String

    /// A staging area for the grains of a stream with these dimensions (see
    /// ``StreamOptimizedReader/makeStaging()``); `displayPath` names the stream in errors.
    public init(grainSize: UInt64, capacity: UInt64, displayPath: String) {
        self.grainSize = grainSize
        self.capacity = capacity
        self.path = displayPath
        session = InflateSession(grainSize: Int(grainSize), prefetchEnd: 0, windowLimit: 0)
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(grainSize), alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Forgets the grains held, keeping the memory.
    public func reset() {
        used = 0
        entries.removeAll(keepingCapacity: true)
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The byte ranges of the disk the grains held cover, in order (the last one clamped
    /// to the disk's end).
    public var ranges: [Range<UInt64>] {
        entries.map { entry in
            let start = UInt64(entry.grain) * grainSize
            return start..<min(start + grainSize, capacity)
        }
    }

    /// Appends a grain of `size` compressed bytes that `fill` copies in.
    func append(
        grain: Int, marker: UInt64, size: Int, fill: (UnsafeMutableRawBufferPointer) throws(VMDKError) -> Void
    ) throws(VMDKError) {
        if used + size > storage.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(
                byteCount: max(storage.count * 2, used + size), alignment: 16)
            grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[0..<used]))
            storage.deallocate()
            storage = grown
        }
        try fill(UnsafeMutableRawBufferPointer(rebasing: storage[used..<(used + size)]))
        entries.append(Entry(grain: grain, marker: marker, start: used, size: size))
        used += size
    }

    /// Inflates every grain held into `buffer`, which stands for the disk bytes from
    /// `offset` on and must cover each grain's range. Throws `.corruptGrain` for a grain
    /// that is not valid zlib data or inflates to the wrong size.
    public func inflate(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(VMDKError) {
        for entry in entries {
            let grainStart = UInt64(entry.grain) * grainSize
            let expected = min(grainSize, capacity - grainStart)
            precondition(grainStart >= offset && grainStart + expected <= offset + UInt64(buffer.count))
            let input = UnsafeRawBufferPointer(rebasing: storage[entry.start..<(entry.start + entry.size)])
            let at = Int(grainStart - offset)
            // A short last grain may inflate to a full grain (VMware): inflate it aside.
            let direct = expected == grainSize
            let target =
                direct ? UnsafeMutableRawBufferPointer(rebasing: buffer[at..<(at + Int(grainSize))]) : session.scratch
            try session.inflateGrain(
                input, into: target, grainBytes: Int(grainSize), expected: Int(expected), path: path,
                grain: entry.grain, marker: entry.marker)
            if !direct {
                UnsafeMutableRawBufferPointer(rebasing: buffer[at..<(at + Int(expected))]).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: session.scratch[0..<Int(expected)]))
            }
        }
    }
}
