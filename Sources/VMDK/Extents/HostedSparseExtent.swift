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

    /// Largest compressed grain accepted: deflate never grows data by more than a few
    /// bytes per 64 KiB block, so anything bigger is a corrupt size field.
    private var maximumCompressedSize: UInt64 { grainSize + grainSize / 8 + 1024 }

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
        guard let first = SparseHeader(bytes) else {
            throw VMDKError(
                .badMagic, file: file.displayPath, field: "magicNumber", offset: 0, "not a KDMV sparse extent")
        }
        if first.directoryOffset == SparseHeader.directoryAtEnd {
            return (first, try StreamFooter.read(file, header: first))
        }
        return (first, first)
    }

    /// Validates the header and loads the grain tables. `expectedSectors` is the size the
    /// descriptor gives this extent (nil for a monolithic file opened directly).
    init(file: RandomAccessFile, header headers: (first: SparseHeader, effective: SparseHeader), template: ExtentInfo)
        throws(VMDKError)
    {
        let header = headers.effective
        let path = file.displayPath
        let atEnd = headers.first.directoryOffset == SparseHeader.directoryAtEnd
        // Offsets of fields in the header that is in force, for messages.
        let headerBase: UInt64 = atEnd ? file.length - StreamFooter.size + 512 : 0
        func bad(_ field: SparseHeader.Field, _ message: String, code: VMDKError.Code = .badHeader) -> VMDKError {
            VMDKError(code, file: path, field: "\(field)", offset: headerBase + field.rawValue, message)
        }
        var warnings: [String] = []

        guard (1...3).contains(header.version) else {
            throw bad(.version, "sparse header version \(header.version) is not 1, 2 or 3", code: .unsupported)
        }
        switch header.compressAlgorithm {
        case 0:
            if header.flags.contains(.compressed) {
                throw bad(.compressAlgorithm, "compressed-grains flag set but no compression algorithm")
            }
        case 1:
            guard header.flags.contains(.markers) else {
                throw bad(.flags, "compressed grains without grain markers are not supported", code: .unsupported)
            }
        default:
            throw bad(
                .compressAlgorithm, "unknown compression algorithm \(header.compressAlgorithm)", code: .unsupported)
        }
        guard header.grainSize >= 1, header.grainSize <= Limits.maximumGrainSectors,
            header.grainSize & (header.grainSize - 1) == 0
        else {
            throw bad(
                .grainSize,
                "grain size \(header.grainSize) sectors is not a power of two between 1 and \(Limits.maximumGrainSectors)"
            )
        }
        guard header.capacity > 0 else { throw bad(.capacity, "capacity is zero") }
        guard header.capacity <= Limits.maximumCapacity / Limits.sectorSize else {
            throw bad(
                .capacity,
                "capacity \(header.capacity) sectors is more than \(humanBytes(Limits.maximumCapacity))",
                code: .limitExceeded)
        }
        guard (1...512).contains(header.gtesPerTable) else {
            throw bad(.numGTEsPerGT, "numGTEsPerGT \(header.gtesPerTable) is not between 1 and 512")
        }
        if header.flags.contains(.validNewlineTest), header.newlineCheck != [0x0a, 0x20, 0x0d, 0x0a] {
            throw bad(
                .singleEndLineChar,
                "newline check bytes are \(header.newlineCheck) instead of \\n ' ' \\r \\n: the file was altered by a text-mode transfer"
            )
        }
        let grainBytes = header.grainSize * Limits.sectorSize
        let grainCount = (header.capacity + header.grainSize - 1) / header.grainSize
        let tableCount = (grainCount + UInt64(header.gtesPerTable) - 1) / UInt64(header.gtesPerTable)
        guard tableCount <= Limits.maximumDirectoryEntries else {
            throw bad(
                .numGTEsPerGT,
                "grain directory would need \(tableCount) entries (capacity \(header.capacity) sectors / \(header.grainSize) per grain / \(header.gtesPerTable) per table)",
                code: .limitExceeded)
        }

        // Everything below stays inside the file: qemu reads zeros past EOF instead.
        let fileEnd = file.length
        let dataLimit = atEnd ? fileEnd - StreamFooter.size : fileEnd
        var metadata: [(String, Range<UInt64>)] = [("header", 0..<512)]
        if header.descriptorOffset != 0 || header.descriptorSize != 0 {
            guard header.descriptorSize <= UInt64(Descriptor.maximumSize) / Limits.sectorSize else {
                throw bad(
                    .descriptorSize,
                    "embedded descriptor of \(header.descriptorSize) sectors is larger than \(Descriptor.maximumSize) bytes",
                    code: .limitExceeded)
            }
            guard header.descriptorOffset >= 1, header.descriptorOffset <= fileEnd / Limits.sectorSize,
                header.descriptorSize <= fileEnd / Limits.sectorSize - header.descriptorOffset
            else {
                throw bad(
                    .descriptorOffset,
                    "embedded descriptor at sector \(header.descriptorOffset) (+\(header.descriptorSize)) is outside the \(fileEnd)-byte file",
                    code: .outOfBounds)
            }
            let start = header.descriptorOffset * Limits.sectorSize
            metadata.append(("embedded descriptor", start..<(start + header.descriptorSize * Limits.sectorSize)))
        }
        guard header.overhead <= fileEnd / Limits.sectorSize else {
            throw bad(
                .overHead,
                "file truncated: the header says metadata alone fills \(header.overhead) sectors, the file has \(fileEnd) bytes",
                code: .truncated)
        }
        let directoryBytes = tableCount * 4
        guard header.directoryOffset >= 1, header.directoryOffset <= dataLimit / Limits.sectorSize,
            directoryBytes <= dataLimit - header.directoryOffset * Limits.sectorSize
        else {
            throw bad(
                .gdOffset,
                "grain directory at sector \(header.directoryOffset) (\(directoryBytes) bytes) is not inside the \(fileEnd)-byte file",
                code: .outOfBounds)
        }
        let directoryStart = header.directoryOffset * Limits.sectorSize
        let directoryRange = directoryStart..<(directoryStart + directoryBytes)
        for (name, range) in metadata where range.overlaps(directoryRange) {
            throw bad(.gdOffset, "grain directory at \(hex(directoryStart)) overlaps the \(name)", code: .outOfBounds)
        }
        if header.flags.contains(.redundantDirectory), !atEnd {
            guard header.redundantDirectoryOffset >= 1, header.redundantDirectoryOffset <= fileEnd / Limits.sectorSize,
                directoryBytes <= fileEnd - header.redundantDirectoryOffset * Limits.sectorSize
            else {
                throw bad(
                    .rgdOffset,
                    "redundant grain directory at sector \(header.redundantDirectoryOffset) is not inside the file",
                    code: .outOfBounds)
            }
            let start = header.redundantDirectoryOffset * Limits.sectorSize
            metadata.append(("redundant grain directory", start..<(start + directoryBytes)))
        }
        metadata.append(("grain directory", directoryRange))
        if atEnd {
            // A stream writes a grain-directory marker right before the directory.
            let marker = try file.bytes(
                at: directoryStart - Limits.sectorSize, count: 16, field: "grain directory marker")
            guard marker.le32(8) == 0, marker.le32(12) == StreamFooter.markerGrainDirectory else {
                throw VMDKError(
                    .badTable, file: path, field: "gdOffset", offset: directoryStart - Limits.sectorSize,
                    "no grain-directory marker before the footer's grain directory")
            }
        }

        let directory = try file.bytes(at: directoryStart, count: Int(directoryBytes), field: "grain directory")
        var tableOffsets = [UInt64](repeating: 0, count: Int(tableCount))
        for index in 0..<Int(tableCount) {
            tableOffsets[index] = UInt64(directory.le32(index * 4)) * Limits.sectorSize
        }
        let tableBytes = UInt64(header.gtesPerTable) * 4
        for (index, offset) in tableOffsets.enumerated() where offset != 0 {
            let table = offset..<(offset + tableBytes)
            if let (name, _) = metadata.first(where: { $0.1.overlaps(table) }) {
                throw VMDKError(
                    .outOfBounds, file: path, field: "grain directory[\(index)]",
                    offset: directoryStart + UInt64(index * 4),
                    "points at a grain table at \(hex(offset)), inside the \(name)")
            }
        }
        let tables = try GrainTables<UInt32>.load(
            from: file, tableOffsets: tableOffsets, entriesPerTable: Int(header.gtesPerTable),
            allowed: UInt64(SparseHeader.size)..<dataLimit, directoryOffset: directoryStart)

        // Every grain pointer must land after the metadata and inside the file.
        let grainAreaStart = metadata.filter { !atEnd || $0.0 != "grain directory" }.map(\.1.upperBound)
            .reduce(header.overhead * Limits.sectorSize, max)
        let zeroedGrains = header.flags.contains(.zeroedGrains)
        let capacityBytes = header.capacity * Limits.sectorSize
        try tables.forEachEntry(below: Int(grainCount)) { (grain, entry) throws(VMDKError) in
            if entry == 1 && zeroedGrains { return }
            let start = UInt64(entry) * Limits.sectorSize
            let needed = header.isCompressed ? 12 : min(grainBytes, capacityBytes - UInt64(grain) * grainBytes)
            let limit = header.isCompressed ? dataLimit : fileEnd
            if start < grainAreaStart || start > limit || needed > limit - start {
                let where_ =
                    start < grainAreaStart
                    ? "inside the metadata (grains start at \(hex(grainAreaStart)))"
                    : "past the end of the file (\(hex(fileEnd)))"
                throw VMDKError(
                    .outOfBounds, file: path, field: "grain table entry for grain \(grain)",
                    offset: tables.fileOffset(ofGrain: grain),
                    "points at \(hex(start)), \(where_)")
            }
        }

        if header.version == 3 {
            warnings.append(
                "\(path): sparse header version 3 (changed-block tracking present; ignored, read-only access)")
        }
        if header.uncleanShutdown != 0 {
            warnings.append("\(path): unclean-shutdown flag is set (the VM was not shut down cleanly)")
        }
        let unknown = header.flags.subtracting(.known)
        if !unknown.isEmpty {
            warnings.append("\(path): unknown header flags \(hex(UInt64(unknown.rawValue)))")
        }

        self.file = file
        self.header = header
        self.length = capacityBytes
        self.grainSize = grainBytes
        self.grainsPerTable = Int(header.gtesPerTable)
        self.tables = tables
        self.zeroedGrains = zeroedGrains
        self.grainAreaEnd = dataLimit
        self.warnings = warnings
        var info = template
        info.size = length
        info.format = header.isCompressed ? "streamOptimized" : "hostedSparse"
        info.headerVersion = header.version
        info.grainSize = grainBytes
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
        let (result, produced, consumed) = session.inflate(input, into: target)
        // The last grain of a disk whose size is not a whole number of grains may hold
        // either a full grain (VMware) or only the bytes inside the disk (qemu-img).
        guard result == .ok, produced == Int(grainSize) || produced == Int(expected), consumed == input.count else {
            let why: String
            switch result {
            case .ok where consumed != input.count:
                why = "ends after \(consumed) of its \(input.count) bytes (the marker size is wrong)"
            case .ok: why = "inflates to \(produced) bytes instead of \(expected)"
            case .tooLarge: why = "inflates to more than one grain (\(grainSize) bytes)"
            case .corrupt: why = "is not a valid zlib/deflate stream"
            case .outOfMemory: why = "could not be inflated: out of memory"
            }
            throw VMDKError(
                .corruptGrain, file: path, field: "compressed grain \(grain)", offset: marker, "compressed grain \(why)"
            )
        }
        if !direct {
            let from = Int(inGrain)
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: session.scratch[from..<(from + buffer.count)]))
        }
    }
}
