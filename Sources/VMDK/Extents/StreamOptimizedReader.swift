/// A streamOptimized VMDK read front to back, with no seeking: from a pipe, standard input,
/// or an OVA read in one pass.
///
/// It hands out the compressed grains in stream order and is as strict as the random-access
/// reader: every grain inside the disk, on a grain boundary and after the one before it
/// (a duplicate or out-of-order grain is refused), every size bounded, an end-of-stream
/// marker required, and the grain directory and tables the stream carries (in a footer or
/// before the grains) must map exactly the grains seen, each to its own marker. Memory is a
/// fixed read buffer plus the tables; grains are copied into the caller's
/// ``CompressedGrains`` and inflated by the caller, on its own threads.
///
/// Not thread-safe: one thread at a time (the importer holds a lock around it).
public final class StreamOptimizedReader {
    public let displayPath: String
    /// Size of the virtual disk in bytes.
    public let capacity: UInt64
    /// Grain size in bytes.
    public let grainSize: UInt64
    /// `createType` of the embedded descriptor (streamOptimized for every known writer).
    public let createType: String
    /// Things worth telling the user that do not stop the import (header version 3, …).
    public private(set) var warnings: [String]

    private let reader: SequentialReader
    private let header: SparseHeader
    private let grainCount: Int
    private let maximumCompressedSize: UInt64
    private var check: StreamTableCheck
    /// Tables of a directory before the grains (qemu-img's layout).
    private let prologueTables: [Int: StreamTableCheck.Table]
    /// Tables that follow their grains behind markers (VMware's layout), by stream offset.
    private var markerTables: [UInt64: [UInt32]] = [:]
    private var markerDirectory: (offset: UInt64, entries: [UInt32])?
    private var footerOffset: UInt64?
    private var lastGrain = -1
    private var pending: (grain: Int, marker: UInt64, size: Int)?
    private var ended = false

    /// Reads the header, embedded descriptor and everything before the first grain.
    /// - Throws: `.badMagic` if the stream is not KDMV, `.unsupported` if it is a sparse
    ///   extent that is not streamOptimized, and the header and table errors of a file.
    init(_ reader: SequentialReader) throws(VMDKError) {
        let path = reader.displayPath
        let prologue = try StreamPrologue.read(reader)
        let header = prologue.header
        var warnings = header.warnings(path: path)
        var createType = "streamOptimized"
        if let descriptor = prologue.descriptor {
            try Self.checkDescriptor(descriptor, capacity: header.capacity, path: path)
            createType = descriptor.createType ?? createType
            warnings += descriptor.warnings.map { "\(path): \($0)" }
        } else {
            warnings.append("\(path): stream has no embedded descriptor")
        }
        self.reader = reader
        self.header = header
        self.displayPath = path
        self.capacity = header.capacity * Limits.sectorSize
        self.grainSize = prologue.geometry.grainBytes
        self.grainCount = Int(prologue.geometry.grainCount)
        self.maximumCompressedSize = SparseHeader.maximumCompressedSize(grainBytes: prologue.geometry.grainBytes)
        self.createType = createType
        self.warnings = warnings
        self.prologueTables = prologue.tables
        self.check = StreamTableCheck(
            entriesPerTable: Int(header.gtesPerTable), grainCount: Int(prologue.geometry.grainCount),
            zeroedGrains: header.flags.contains(.zeroedGrains), path: path)
    }

    /// For a disk read from an OVA: the manifest's verdict, once the stream was read to its
    /// end ("verified (SHA256)", "not verified: no manifest", …).
    public var manifestStatus: String? { (reader.source as? OVAStreamSource)?.manifestStatus }

    /// The reader's warnings and, for an OVA, the archive's (no manifest, unlisted members).
    public var allWarnings: [String] { warnings + ((reader.source as? OVAStreamSource)?.warnings ?? []) }

    /// Bytes of the stream read so far.
    public var position: UInt64 { reader.position }

    /// A staging area for this stream's grains, one per reader thread.
    public func makeStaging() -> CompressedGrains {
        CompressedGrains(grainSize: grainSize, capacity: capacity, displayPath: displayPath)
    }

    /// The index of the next grain in the stream, reading past metadata on the way; nil once
    /// the end-of-stream marker is read and every check of the whole stream passed (tables,
    /// trailing bytes, and what the source checks at its end, such as an OVA's manifest).
    public func nextGrain() throws(VMDKError) -> Int? {
        if let pending { return pending.grain }
        while !ended {
            let offset = reader.position
            guard let head = try reader.peek(16) else {
                if try reader.atEnd() {
                    // qemu-img writes no end-of-stream marker: with the directory before the
                    // grains, the end of the file is the end of the stream, and the tables
                    // tell whether grains are missing.
                    if header.directoryOffset != SparseHeader.directoryAtEnd {
                        ended = true
                        try finishStream(at: offset, marker: false)
                        return nil
                    }
                    throw VMDKError(
                        .truncated, file: displayPath, field: "end-of-stream marker", offset: offset,
                        "the stream ends at \(offset) bytes without an end-of-stream marker (cut short?)")
                }
                throw VMDKError(
                    .truncated, file: displayPath, field: "stream marker", offset: offset,
                    "the stream ends inside a marker at \(offset)")
            }
            let lba = head.le64(0)
            let size = head.le32(8)
            if size != 0 {
                let grain = try acceptGrain(lba: lba, size: UInt64(size), at: offset)
                try reader.skip(UInt64(StreamMarker.grainHeaderSize), field: "grain marker")
                pending = (grain, offset, Int(size))
                return grain
            }
            let sector = try reader.bytes(Int(Limits.sectorSize), field: "stream marker")
            try handle(try StreamMarker.decode(sector: sector, path: displayPath, offset: offset), at: offset)
        }
        return nil
    }

    /// Copies the grain ``nextGrain()`` returned into `staging` and moves past it.
    public func takeGrain(into staging: CompressedGrains) throws(VMDKError) {
        guard let pending else { preconditionFailure("takeGrain() without a grain from nextGrain()") }
        let reader = reader
        try staging.append(grain: pending.grain, marker: pending.marker, size: pending.size) {
            (target) throws(VMDKError) in
            try reader.read(into: target, field: "compressed grain \(pending.grain)")
        }
        let used = UInt64(StreamMarker.grainHeaderSize + pending.size)
        let padded = (used + Limits.sectorSize - 1) / Limits.sectorSize * Limits.sectorSize
        try reader.skip(padded - used, field: "compressed grain \(pending.grain)")
        self.pending = nil
    }

    /// Checks a grain marker: inside the disk, on a grain boundary, after the previous
    /// grain, of a possible size.
    private func acceptGrain(lba: UInt64, size: UInt64, at offset: UInt64) throws(VMDKError) -> Int {
        let grainSectors = grainSize / Limits.sectorSize
        guard lba < header.capacity else {
            throw VMDKError(
                .outOfBounds, file: displayPath, field: "grain marker lba", offset: offset,
                "grain marker for sector \(lba) is past the end of the \(header.capacity)-sector disk")
        }
        guard lba % grainSectors == 0 else {
            throw VMDKError(
                .corruptGrain, file: displayPath, field: "grain marker lba", offset: offset,
                "grain marker for sector \(lba) is not on a \(grainSectors)-sector grain boundary")
        }
        let grain = Int(lba / grainSectors)
        guard grain > lastGrain else {
            throw VMDKError(
                .corruptGrain, file: displayPath, field: "grain marker lba", offset: offset,
                grain == lastGrain
                    ? "grain \(grain) (sector \(lba)) appears twice in the stream"
                    : "grain \(grain) (sector \(lba)) comes after grain \(lastGrain): grains must be in increasing order")
        }
        guard size <= maximumCompressedSize else {
            throw VMDKError(
                .corruptGrain, file: displayPath, field: "grain marker size", offset: offset + 8,
                "compressed grain size \(size) is impossible for a \(grainSize)-byte grain")
        }
        try check.record(grain: grain, marker: offset)
        lastGrain = grain
        return grain
    }

    /// Takes in a metadata marker and the sectors that follow it.
    private func handle(_ marker: StreamMarker, at offset: UInt64) throws(VMDKError) {
        let tableSectors = (UInt64(header.gtesPerTable) * 4 + Limits.sectorSize - 1) / Limits.sectorSize
        let directorySectors = (UInt64(check.grainCount + check.entriesPerTable - 1) / UInt64(check.entriesPerTable) * 4
            + Limits.sectorSize - 1) / Limits.sectorSize
        func expect(_ sectors: UInt64, _ wanted: UInt64, _ what: String) throws(VMDKError) {
            guard sectors == wanted else {
                throw VMDKError(
                    .badTable, file: displayPath, field: "\(what) marker numSectors", offset: offset,
                    "\(what) marker says \(sectors) sectors follow, the header implies \(wanted)")
            }
        }
        let dataOffset = offset + Limits.sectorSize
        switch marker {
        case .grain:
            preconditionFailure("grain markers are handled by nextGrain()")
        case .endOfStream:
            ended = true
            try finishStream(at: offset, marker: true)
        case .grainTable(let sectors):
            try expect(sectors, tableSectors, "grain table")
            try refuseInPrologueLayout("grain table", at: offset)
            let bytes = try reader.bytes(Int(sectors * Limits.sectorSize), field: "grain table")
            markerTables[dataOffset] = StreamTableCheck.Table.compacted(
                (0..<Int(header.gtesPerTable)).map { bytes.le32($0 * 4) })
            guard UInt64(markerTables.count) * UInt64(header.gtesPerTable) * 4 <= Limits.maximumTableBytes else {
                throw VMDKError(
                    .limitExceeded, file: displayPath, field: "grain table", offset: offset,
                    "\(markerTables.count) grain tables would need more than \(humanBytes(Limits.maximumTableBytes)) of memory")
            }
        case .grainDirectory(let sectors):
            try expect(sectors, directorySectors, "grain directory")
            try refuseInPrologueLayout("grain directory", at: offset)
            guard markerDirectory == nil else {
                throw VMDKError(
                    .badTable, file: displayPath, field: "grain directory marker", offset: offset,
                    "a second grain directory in the stream")
            }
            let bytes = try reader.bytes(Int(sectors * Limits.sectorSize), field: "grain directory")
            let count = Int(directorySectors * Limits.sectorSize / 4)
            markerDirectory = (dataOffset, (0..<count).map { bytes.le32($0 * 4) })
        case .footer(let sectors):
            try expect(sectors, 1, "footer")
            guard footerOffset == nil else {
                throw VMDKError(
                    .badTable, file: displayPath, field: "footer marker", offset: offset, "a second footer in the stream")
            }
            let bytes = try reader.bytes(SparseHeader.size, field: "footer")
            guard let footer = SparseHeader(bytes) else {
                throw VMDKError(
                    .badMagic, file: displayPath, field: "footer", offset: dataOffset,
                    "the footer marker is not followed by a KDMV header")
            }
            try StreamFooter.checkAgreement(footer, with: header, path: displayPath, offset: dataOffset)
            if header.directoryOffset == SparseHeader.directoryAtEnd {
                guard let markerDirectory, footer.directoryOffset * Limits.sectorSize == markerDirectory.offset else {
                    throw VMDKError(
                        .badTable, file: displayPath, field: "gdOffset",
                        offset: dataOffset + SparseHeader.Field.gdOffset.rawValue,
                        "the footer puts the grain directory at sector \(footer.directoryOffset), but the stream's grain directory marker is not there"
                    )
                }
            }
            footerOffset = offset
        }
    }

    /// A stream whose header puts the directory before the grains has no business carrying
    /// tables behind markers as well: the two could disagree in ways neither reader sees.
    private func refuseInPrologueLayout(_ what: String, at offset: UInt64) throws(VMDKError) {
        guard header.directoryOffset == SparseHeader.directoryAtEnd else {
            throw VMDKError(
                .badTable, file: displayPath, field: "\(what) marker", offset: offset,
                "\(what) marker in a stream whose header puts the grain directory at sector \(header.directoryOffset)")
        }
    }

    /// After the end-of-stream marker (or, without one, the end of the source): nothing but
    /// zeros may follow, the tables must map the grains seen, and the source gets to run
    /// its own end checks.
    private func finishStream(at offset: UInt64, marker: Bool) throws(VMDKError) {
        let end = reader.position
        while !(try reader.atEnd()) {
            let at = reader.position
            let nonZero = try reader.readAvailable(upTo: SequentialReader.bufferSize) { bytes in
                bytes.firstIndex { $0 != 0 }
            }
            if let nonZero {
                throw VMDKError(
                    .sizeMismatch, file: displayPath, field: "end-of-stream marker", offset: offset,
                    "data follows the end-of-stream marker (a non-zero byte at \(at + UInt64(nonZero)), the stream ended at \(end))"
                )
            }
        }
        // Without a marker, a grain the tables list but the stream lacks means it was cut short.
        try check.verify(try tablesOfStream(endOfStream: offset), endWithoutMarker: marker ? nil : offset)
        try reader.source.finish()
    }

    /// The tables the stream's own directory maps, by table index.
    private func tablesOfStream(endOfStream: UInt64) throws(VMDKError) -> [Int: StreamTableCheck.Table] {
        guard header.directoryOffset == SparseHeader.directoryAtEnd else { return prologueTables }
        guard footerOffset != nil, let markerDirectory else {
            throw VMDKError(
                .badTable, file: displayPath, field: "footer", offset: endOfStream,
                "the header puts the grain directory in a footer, but the stream ends without \(markerDirectory == nil ? "a grain directory" : "a footer")"
            )
        }
        var tables: [Int: StreamTableCheck.Table] = [:]
        var used: Set<UInt64> = []
        for (index, sector) in markerDirectory.entries.enumerated() where sector != 0 {
            let offset = UInt64(sector) * Limits.sectorSize
            guard let entries = markerTables[offset], !used.contains(offset) else {
                throw VMDKError(
                    .badTable, file: displayPath, field: "grain directory[\(index)]",
                    offset: markerDirectory.offset + UInt64(index * 4),
                    used.contains(offset)
                        ? "points at the grain table at \(hex(offset)), which another entry already uses"
                        : "points at \(hex(offset)), where the stream has no grain table")
            }
            used.insert(offset)
            tables[index] = StreamTableCheck.Table(offset: offset, entries: entries)
        }
        if let orphan = markerTables.keys.filter({ !used.contains($0) }).min() {
            throw VMDKError(
                .badTable, file: displayPath, field: "grain table marker", offset: orphan - Limits.sectorSize,
                "grain table at \(hex(orphan)) is not in the grain directory")
        }
        return tables
    }

    /// The embedded descriptor describes this one file: one SPARSE extent of the header's
    /// capacity and no parent (a stream has no folder to find one in).
    private static func checkDescriptor(_ descriptor: Descriptor, capacity: UInt64, path: String) throws(VMDKError) {
        if let hint = descriptor.parentFileNameHint {
            throw VMDKError(
                .unsupported, file: path, field: "parentFileNameHint",
                "a streamed disk refers to a parent (\"\(hint)\"); it must be self-contained")
        }
        if let parent = descriptor.parentCID {
            throw VMDKError(
                .unsupported, file: path, field: "parentCID",
                "a streamed disk has parentCID=\(cidString(parent)); it must be self-contained")
        }
        guard let line = descriptor.extents.first else { return }
        guard descriptor.extents.count == 1, line.kind == .sparse else {
            throw VMDKError(
                .badDescriptor, file: path, field: "extent",
                "embedded descriptor of a single-file sparse disk lists \(descriptor.extents.count) extents / type \(line.kind.rawValue)"
            )
        }
        guard line.sectors == capacity else {
            throw VMDKError(
                .sizeMismatch, file: path, field: "extent",
                "embedded descriptor says \(line.sectors) sectors, the sparse header says \(capacity)")
        }
    }
}
