/// Which copy of a hosted sparse file's grain directory. Writers that set the
/// redundant-directory flag (Workstation, qemu-img) keep a second directory with its own
/// tables, updated together with the first, so one damaged copy can be recovered from.
enum DirectoryCopy: Sendable {
    case primary, redundant

    var name: String { self == .primary ? "grain directory" : "redundant grain directory" }
    var headerField: SparseHeader.Field { self == .primary ? .gdOffset : .rgdOffset }
}

/// One copy of the grain directory that passed every check, with its tables.
struct LoadedDirectory: Sendable {
    let copy: DirectoryCopy
    /// Byte offset of the directory in the file.
    let offset: UInt64
    let tables: GrainTables<UInt32>
}

/// The metadata of a hosted sparse file around its grain directories, and the checks one
/// directory copy and its tables must pass to be trusted: the directory inside the file and
/// clear of the other metadata, every table likewise, every grain pointer after the
/// metadata and inside the file.
struct SparseDirectoryLayout {
    let file: RandomAccessFile
    let header: SparseHeader
    let geometry: SparseHeader.Geometry
    let atEnd: Bool
    /// Grains and tables must end before this offset (the footer of a stream).
    let dataLimit: UInt64
    /// File offset of the header in force, for messages.
    let headerBase: UInt64
    /// Named byte ranges no table may overlap: header, descriptor, and every directory copy
    /// whose place in the file is valid.
    private var metadata: [(String, Range<UInt64>)]
    private var ranges: [DirectoryCopy: Result<Range<UInt64>, VMDKError>] = [:]

    init(
        file: RandomAccessFile, header: SparseHeader, geometry: SparseHeader.Geometry, atEnd: Bool, dataLimit: UInt64,
        headerBase: UInt64, metadata: [(String, Range<UInt64>)]
    ) {
        self.file = file
        self.header = header
        self.geometry = geometry
        self.atEnd = atEnd
        self.dataLimit = dataLimit
        self.headerBase = headerBase
        self.metadata = metadata
        var copies: [DirectoryCopy] = [.primary]
        if header.flags.contains(.redundantDirectory), !atEnd { copies.append(.redundant) }
        for copy in copies {
            let range = placement(of: copy)
            ranges[copy] = range
            if case .success(let range) = range { self.metadata.append((copy.name, range)) }
        }
    }

    private var directoryBytes: UInt64 { geometry.tableCount * 4 }

    /// Where `copy` lies, if that is inside the file.
    private func placement(of copy: DirectoryCopy) -> Result<Range<UInt64>, VMDKError> {
        let sector = copy == .primary ? header.directoryOffset : header.redundantDirectoryOffset
        // The primary directory must end before a stream's footer; the redundant one only
        // exists in files without a footer.
        let limit = copy == .primary ? dataLimit : file.length
        guard sector >= 1, sector <= limit / Limits.sectorSize, directoryBytes <= limit - sector * Limits.sectorSize
        else {
            return .failure(
                VMDKError(
                    .outOfBounds, file: file.displayPath, field: "\(copy.headerField)",
                    offset: headerBase + copy.headerField.rawValue,
                    "\(copy.name) at sector \(sector) (\(directoryBytes) bytes) is not inside the \(file.length)-byte file"
                ))
        }
        let start = sector * Limits.sectorSize
        return .success(start..<(start + directoryBytes))
    }

    /// Grain pointers must land at or after this offset.
    private var grainAreaStart: UInt64 {
        // A stream's footer directory comes after its grains.
        metadata.filter { !atEnd || $0.0 != DirectoryCopy.primary.name }.map(\.1.upperBound)
            .reduce(header.overhead * Limits.sectorSize, max)
    }

    /// Reads and checks `copy` and its tables.
    func directory(_ copy: DirectoryCopy) -> Result<LoadedDirectory, VMDKError> {
        do throws(VMDKError) {
            return .success(try load(copy))
        } catch {
            return .failure(error)
        }
    }

    private func load(_ copy: DirectoryCopy) throws(VMDKError) -> LoadedDirectory {
        let path = file.displayPath
        let range = try ranges[copy, default: placement(of: copy)].get()
        for (name, other) in metadata where name != copy.name && other.overlaps(range) {
            throw VMDKError(
                .outOfBounds, file: path, field: "\(copy.headerField)", offset: headerBase + copy.headerField.rawValue,
                "\(copy.name) at \(hex(range.lowerBound)) overlaps the \(name)")
        }
        if atEnd {
            // A stream writes a grain-directory marker right before the directory.
            let marker = try file.bytes(
                at: range.lowerBound - Limits.sectorSize, count: 16, field: "grain directory marker")
            guard marker.le32(8) == 0, marker.le32(12) == StreamFooter.markerGrainDirectory else {
                throw VMDKError(
                    .badTable, file: path, field: "gdOffset", offset: range.lowerBound - Limits.sectorSize,
                    "no grain-directory marker before the footer's grain directory")
            }
        }

        let directory = try file.bytes(at: range.lowerBound, count: Int(directoryBytes), field: copy.name)
        var tableOffsets = [UInt64](repeating: 0, count: Int(geometry.tableCount))
        for index in 0..<tableOffsets.count {
            tableOffsets[index] = UInt64(directory.le32(index * 4)) * Limits.sectorSize
        }
        let tableBytes = UInt64(header.gtesPerTable) * 4
        for (index, offset) in tableOffsets.enumerated() where offset != 0 {
            let table = offset..<(offset + tableBytes)
            if let (name, _) = metadata.first(where: { $0.1.overlaps(table) }) {
                throw VMDKError(
                    .outOfBounds, file: path, field: "\(copy.name)[\(index)]",
                    offset: range.lowerBound + UInt64(index * 4),
                    "points at a grain table at \(hex(offset)), inside the \(name)")
            }
        }
        let tables = try GrainTables<UInt32>.load(
            from: file, tableOffsets: tableOffsets, entriesPerTable: Int(header.gtesPerTable),
            allowed: UInt64(SparseHeader.size)..<dataLimit, directoryOffset: range.lowerBound, field: copy.name)
        try checkGrainPointers(tables)
        return LoadedDirectory(copy: copy, offset: range.lowerBound, tables: tables)
    }

    /// Every grain pointer must land after the metadata and inside the file.
    private func checkGrainPointers(_ tables: GrainTables<UInt32>) throws(VMDKError) {
        let start = grainAreaStart
        let fileEnd = file.length
        let zeroedGrains = header.flags.contains(.zeroedGrains)
        let capacityBytes = header.capacity * Limits.sectorSize
        let grainBytes = geometry.grainBytes
        let compressed = header.isCompressed
        let dataLimit = dataLimit
        let path = file.displayPath
        try tables.forEachEntry(below: Int(geometry.grainCount)) { (grain, entry) throws(VMDKError) in
            if entry == 1 && zeroedGrains { return }
            let offset = UInt64(entry) * Limits.sectorSize
            let needed = compressed ? 12 : min(grainBytes, capacityBytes - UInt64(grain) * grainBytes)
            let limit = compressed ? dataLimit : fileEnd
            if offset < start || offset > limit || needed > limit - offset {
                let where_ =
                    offset < start
                    ? "inside the metadata (grains start at \(hex(start)))"
                    : "past the end of the file (\(hex(fileEnd)))"
                throw VMDKError(
                    .outOfBounds, file: path, field: "grain table entry for grain \(grain)",
                    offset: tables.fileOffset(ofGrain: grain), "points at \(hex(offset)), \(where_)")
            }
        }
    }
}
