/// A hosted sparse extent ("KDMV"): monolithicSparse, each `-s00N.vmdk` of
/// twoGbMaxExtentSparse, and streamOptimized (compressed grains behind markers, grain
/// directory possibly in a footer).
struct HostedSparseExtent: GrainedExtent {
    let file: RandomAccessFile
    /// The header in force: the footer's copy when `gdOffset` is GD_AT_END.
    let header: SparseHeader
    let length: UInt64
    let grainSize: UInt64
    let grainsPerTable: Int
    let info: ExtentInfo
    let warnings: [String]
    private let tables: GrainTables<UInt32>
    private let zeroedGrains: Bool
    /// Compressed grains and their markers must end before this offset (the footer).
    private let grainAreaEnd: UInt64

    /// Largest compressed grain accepted (a bigger marker size is corrupt).
    private var maximumCompressedSize: UInt64 { SparseHeader.maximumCompressedSize(grainBytes: grainSize) }

    /// Reads the first header and, for GD_AT_END, the footer's. Throws `.badMagic` if the
    /// file is not KDMV.
    static func readHeader(_ file: RandomAccessFile) throws(VMDKError) -> (first: SparseHeader, effective: SparseHeader)
    {
        guard file.length >= UInt64(SparseHeader.size) else {
            throw VMDKError(
                .truncated, file: file.displayPath, field: "header",
                "file is \(file.length) bytes, shorter than a 512-byte sparse header")
        }
        let bytes = try file.bytes(at: 0, count: SparseHeader.size, field: "header")
        let first = try SparseHeader.decode(bytes, path: file.displayPath)
        if first.directoryOffset == SparseHeader.directoryAtEnd {
            return (first, try StreamFooter.read(file, header: first))
        }
        return (first, first)
    }

    /// Validates the header and loads the grain tables (through the redundant copy when the
    /// primary one is damaged). `template` is what the descriptor says about this extent.
    init(file: RandomAccessFile, header headers: (first: SparseHeader, effective: SparseHeader), template: ExtentInfo)
        throws(VMDKError)
    {
        let header = headers.effective
        let path = file.displayPath
        let atEnd = headers.first.directoryOffset == SparseHeader.directoryAtEnd
        // Offsets of fields in the header that is in force, for messages.
        let headerBase: UInt64 = atEnd ? file.length - StreamFooter.size + 512 : 0
        let geometry = try header.checkFields(path: path, base: headerBase)

        // Everything below stays inside the file: qemu reads zeros past EOF instead.
        let fileEnd = file.length
        let dataLimit = atEnd ? fileEnd - StreamFooter.size : fileEnd
        var metadata: [(String, Range<UInt64>)] = [("header", 0..<512)]
        if let range = try header.embeddedDescriptor(
            path: path, base: headerBase, withinSectors: fileEnd / Limits.sectorSize,
            where: "is outside the \(fileEnd)-byte file")
        {
            metadata.append(("embedded descriptor", range))
        }
        guard header.overhead <= fileEnd / Limits.sectorSize else {
            throw SparseHeader.fieldError(
                .overHead, path: path, base: headerBase,
                "file truncated: the header says metadata alone fills \(header.overhead) sectors, the file has \(fileEnd) bytes",
                code: .truncated)
        }

        let layout = SparseDirectoryLayout(
            file: file, header: header, geometry: geometry, atEnd: atEnd, dataLimit: dataLimit, headerBase: headerBase,
            metadata: metadata)
        let primary = layout.directory(.primary)
        let redundant = header.flags.contains(.redundantDirectory) && !atEnd ? layout.directory(.redundant) : nil
        let chosen = try RedundantDirectory.choose(
            primary: primary, redundant: redundant, grainCount: Int(geometry.grainCount), path: path)

        self.file = file
        self.header = header
        self.length = header.capacity * Limits.sectorSize
        self.grainSize = geometry.grainBytes
        self.grainsPerTable = Int(header.gtesPerTable)
        self.tables = chosen.tables
        self.zeroedGrains = header.flags.contains(.zeroedGrains)
        self.grainAreaEnd = dataLimit
        self.warnings = header.warnings(path: path) + chosen.warnings
        var info = template
        info.size = length
        info.format = header.isCompressed ? "streamOptimized" : "hostedSparse"
        info.headerVersion = header.version
        info.grainSize = geometry.grainBytes
        info.compressed = header.isCompressed
        self.info = info
    }

    /// Where the embedded descriptor is, if there is one.
    var embeddedDescriptorRange: Range<UInt64>? {
        guard header.descriptorOffset != 0, header.descriptorSize != 0 else { return nil }
        let start = header.descriptorOffset * Limits.sectorSize
        return start..<(start + header.descriptorSize * Limits.sectorSize)
    }

    func tableIsAbsent(_ table: Int) -> Bool { tables.isAbsent(table) }

    /// Memory the grain tables take (tests check it follows the data, not the capacity).
    var tableMemoryBytes: Int { tables.memoryBytes }

    func location(ofGrain grain: Int) -> GrainLocation {
        let entry = tables.entry(grain)
        if entry == 0 { return .unallocated }
        if entry == 1, zeroedGrains { return .zero }
        let offset = UInt64(entry) * Limits.sectorSize
        return header.isCompressed ? .compressed(offset) : .stored(offset)
    }

    func makeInflateSession(forReadAt offset: UInt64, count: Int) -> InflateSession {
        // Prefetch up to the marker of the next compressed grain after the read (markers
        // are in logical order in a stream), so one pread covers the whole read.
        let first = Int(offset / grainSize)
        let last = Int((offset + UInt64(count) - 1) / grainSize)
        var highest: UInt64 = 0
        for grain in first...last {
            if case .compressed(let marker) = location(ofGrain: grain) { highest = max(highest, marker) }
        }
        var prefetchEnd = highest + 12 + maximumCompressedSize
        var grain = last + 1
        while grain < min(grainCount, last + 1 + 64) {
            if case .compressed(let marker) = location(ofGrain: grain) {
                if marker > highest { prefetchEnd = marker }
                break
            }
            grain += 1
        }
        return InflateSession(grainSize: Int(grainSize), prefetchEnd: prefetchEnd, windowLimit: grainAreaEnd)
    }

    func readCompressed(
        grain: Int, marker: UInt64, into buffer: UnsafeMutableRawBufferPointer, at inGrain: UInt64,
        session: InflateSession
    ) throws(VMDKError) {
        let path = file.displayPath
        let head = try session.bytes(file, at: marker, count: 12, field: "grain marker")
        let lba = head.le64(0)
        let size = UInt64(head.le32(8))
        let grainSectors = grainSize / Limits.sectorSize
        guard lba == UInt64(grain) * grainSectors else {
            throw VMDKError(
                .corruptGrain, file: path, field: "grain marker lba", offset: marker,
                "grain marker says sector \(lba), but the grain table maps grain \(grain) (sector \(UInt64(grain) * grainSectors)) here"
            )
        }
        guard size > 0, size <= maximumCompressedSize else {
            throw VMDKError(
                .corruptGrain, file: path, field: "grain marker size", offset: marker + 8,
                "compressed grain size \(size) is impossible for a \(grainSize)-byte grain")
        }
        let data = try session.bytes(file, at: marker, count: 12 + Int(size), field: "compressed grain")
        let input = UnsafeRawBufferPointer(rebasing: data[12...])
        let grainStart = UInt64(grain) * grainSize
        let expected = min(grainSize, length - grainStart)
        let direct = inGrain == 0 && UInt64(buffer.count) == grainSize
        let target = direct ? buffer : session.scratch
        try session.inflateGrain(
            input, into: target, grainBytes: Int(grainSize), expected: Int(expected), path: path, grain: grain,
            marker: marker)
        if !direct {
            let from = Int(inGrain)
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: session.scratch[from..<(from + buffer.count)]))
        }
    }
}
