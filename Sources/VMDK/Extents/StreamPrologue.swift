/// What comes before the first grain of a stream: the header, the embedded descriptor and,
/// when the header does not put the grain directory in a footer (qemu-img's layout), the
/// grain directory and its tables. Read front to back, keeping only those structures.
struct StreamPrologue {
    let header: SparseHeader
    let geometry: SparseHeader.Geometry
    let descriptor: Descriptor?
    /// The tables of a directory at the start, by table index; empty for GD_AT_END.
    let tables: [Int: StreamTableCheck.Table]
    /// Where the first marker is: `overHead` sectors into the stream.
    let grainStart: UInt64

    static func read(_ reader: SequentialReader) throws(VMDKError) -> StreamPrologue {
        let path = reader.displayPath
        let head = try reader.bytes(SparseHeader.size, field: "header")
        let header = try SparseHeader.decode(head, path: path)
        func bad(_ field: SparseHeader.Field, _ message: String, code: VMDKError.Code = .badHeader) -> VMDKError {
            SparseHeader.fieldError(field, path: path, base: 0, message, code: code)
        }
        guard header.isCompressed, header.flags.contains(.markers) else {
            throw bad(
                .compressAlgorithm,
                "not a streamOptimized extent (no compressed grains behind markers): only streamOptimized VMDKs can be read front to back; import this one from a file",
                code: .unsupported)
        }
        let geometry = try header.checkFields(path: path, base: 0)
        let grainStart = header.overhead * Limits.sectorSize
        guard header.overhead >= 1, header.overhead <= UInt64(UInt32.max) else {
            throw bad(.overHead, "overHead of \(header.overhead) sectors cannot start the grains after the header")
        }

        // The structures to keep, in stream order; tables join once their directory is read.
        var wanted: [(range: Range<UInt64>, what: Wanted)] = []
        if let range = try header.embeddedDescriptor(
            path: path, base: 0, withinSectors: header.overhead,
            where: "is not between the header and the first grain (sector \(header.overhead))")
        {
            wanted.append((range, .descriptor))
        }
        let atEnd = header.directoryOffset == SparseHeader.directoryAtEnd
        let directoryBytes = geometry.tableCount * 4
        if !atEnd {
            guard header.directoryOffset >= 1, header.directoryOffset <= grainStart / Limits.sectorSize,
                directoryBytes <= grainStart - header.directoryOffset * Limits.sectorSize
            else {
                throw bad(
                    .gdOffset,
                    "grain directory at sector \(header.directoryOffset) is not between the header and the first grain (sector \(header.overhead)); a stream read front to back needs it there",
                    code: .unsupported)
            }
            let start = header.directoryOffset * Limits.sectorSize
            wanted.append((start..<(start + directoryBytes), .directory))
        }

        var descriptor: Descriptor?
        var tables: [Int: StreamTableCheck.Table] = [:]
        let tableBytes = UInt64(header.gtesPerTable) * 4
        wanted.sort { $0.range.lowerBound < $1.range.lowerBound }
        while !wanted.isEmpty {
            let (range, what) = wanted.removeFirst()
            guard range.lowerBound >= reader.position else {
                let field: String
                let message: String
                switch what {
                case .table(let index):
                    field = "grain directory[\(index)]"
                    message =
                        "points at a grain table at \(hex(range.lowerBound)), which overlaps or comes before other metadata; a stream read front to back cannot go back for it"
                default:
                    field = "\(what)"
                    message = "\(what) at \(hex(range.lowerBound)) overlaps other metadata"
                }
                throw VMDKError(.badTable, file: path, field: field, offset: range.lowerBound, message)
            }
            try reader.skip(range.lowerBound - reader.position, field: "metadata before the first grain")
            let bytes = try reader.bytes(Int(range.count), field: "\(what)")
            switch what {
            case .descriptor:
                descriptor = try Descriptor.parse(bytes, file: path, baseOffset: range.lowerBound)
            case .directory:
                for index in 0..<Int(geometry.tableCount) {
                    let sector = UInt64(bytes.le32(index * 4))
                    guard sector != 0 else { continue }
                    let start = sector * Limits.sectorSize
                    guard start >= reader.position, start + tableBytes <= grainStart else {
                        throw VMDKError(
                            .outOfBounds, file: path, field: "grain directory[\(index)]",
                            offset: range.lowerBound + UInt64(index * 4),
                            "points at a grain table at \(hex(start)), not between the grain directory and the first grain (\(hex(grainStart)))"
                        )
                    }
                    wanted.append((start..<(start + tableBytes), .table(index)))
                    guard UInt64(wanted.count) * tableBytes <= Limits.maximumTableBytes else {
                        throw VMDKError(
                            .limitExceeded, file: path, field: "grain directory", offset: range.lowerBound,
                            "\(wanted.count) grain tables would need more than \(humanBytes(Limits.maximumTableBytes)) of memory")
                    }
                }
                wanted.sort { $0.range.lowerBound < $1.range.lowerBound }
            case .table(let index):
                let entries = (0..<Int(header.gtesPerTable)).map { bytes.le32($0 * 4) }
                tables[index] = StreamTableCheck.Table(offset: range.lowerBound, entries: entries)
            }
        }
        try reader.skip(grainStart - reader.position, field: "metadata before the first grain")
        return StreamPrologue(
            header: header, geometry: geometry, descriptor: descriptor, tables: tables, grainStart: grainStart)
    }

    private enum Wanted: CustomStringConvertible {
        case descriptor, directory
        case table(Int)

        var description: String {
            switch self {
            case .descriptor: "embedded descriptor"
            case .directory: "grain directory"
            case .table(let index): "grain table \(index)"
            }
        }
    }
}
