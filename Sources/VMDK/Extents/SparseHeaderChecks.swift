/// The checks every hosted sparse header must pass before any table is sized from it,
/// shared by the random-access extent (`HostedSparseExtent`) and the front-to-back stream
/// reader (`StreamPrologue`), so that both refuse the same headers with the same words.
extension SparseHeader {
    /// Decodes the 512-byte header at the start of an extent.
    /// - Throws: `.badMagic` when the bytes are not a KDMV header.
    static func decode(_ bytes: [UInt8], path: String) throws(VMDKError) -> SparseHeader {
        guard let header = SparseHeader(bytes) else {
            throw VMDKError(.badMagic, file: path, field: "magicNumber", offset: 0, "not a KDMV sparse extent")
        }
        return header
    }

    /// An error about one header field, pointing at its byte; `base` is the file offset of the
    /// header the field is in (the footer's copy lives near the end of a stream file).
    static func fieldError(
        _ field: Field, path: String, base: UInt64, _ message: String, code: VMDKError.Code = .badHeader
    ) -> VMDKError {
        VMDKError(code, file: path, field: "\(field)", offset: base + field.rawValue, message)
    }

    /// How many grains and grain tables the header describes.
    struct Geometry {
        let grainBytes: UInt64
        let grainCount: UInt64
        let tableCount: UInt64
    }

    /// Checks version, compression, grain size, capacity, table size and the newline bytes.
    /// `base` is the file offset of this header (the footer's copy lives near the end), so
    /// messages point at the byte that is wrong.
    func checkFields(path: String, base: UInt64) throws(VMDKError) -> Geometry {
        func bad(_ field: Field, _ message: String, code: VMDKError.Code = .badHeader) -> VMDKError {
            Self.fieldError(field, path: path, base: base, message, code: code)
        }
        guard (1...3).contains(version) else {
            throw bad(.version, "sparse header version \(version) is not 1, 2 or 3", code: .unsupported)
        }
        switch compressAlgorithm {
        case 0:
            if flags.contains(.compressed) {
                throw bad(.compressAlgorithm, "compressed-grains flag set but no compression algorithm")
            }
        case 1:
            guard flags.contains(.markers) else {
                throw bad(.flags, "compressed grains without grain markers are not supported", code: .unsupported)
            }
        default:
            throw bad(.compressAlgorithm, "unknown compression algorithm \(compressAlgorithm)", code: .unsupported)
        }
        guard grainSize >= 1, grainSize <= Limits.maximumGrainSectors, grainSize & (grainSize - 1) == 0 else {
            throw bad(
                .grainSize,
                "grain size \(grainSize) sectors is not a power of two between 1 and \(Limits.maximumGrainSectors)")
        }
        guard capacity > 0 else { throw bad(.capacity, "capacity is zero") }
        guard capacity <= Limits.maximumCapacity / Limits.sectorSize else {
            throw bad(
                .capacity, "capacity \(capacity) sectors is more than \(humanBytes(Limits.maximumCapacity))",
                code: .limitExceeded)
        }
        guard (1...512).contains(gtesPerTable) else {
            throw bad(.numGTEsPerGT, "numGTEsPerGT \(gtesPerTable) is not between 1 and 512")
        }
        if flags.contains(.validNewlineTest), newlineCheck != [0x0a, 0x20, 0x0d, 0x0a] {
            throw bad(
                .singleEndLineChar,
                "newline check bytes are \(newlineCheck) instead of \\n ' ' \\r \\n: the file was altered by a text-mode transfer"
            )
        }
        let grainCount = (capacity + grainSize - 1) / grainSize
        let tableCount = (grainCount + UInt64(gtesPerTable) - 1) / UInt64(gtesPerTable)
        guard tableCount <= Limits.maximumDirectoryEntries else {
            throw bad(
                .numGTEsPerGT,
                "grain directory would need \(tableCount) entries (capacity \(capacity) sectors / \(grainSize) per grain / \(gtesPerTable) per table)",
                code: .limitExceeded)
        }
        return Geometry(grainBytes: grainSize * Limits.sectorSize, grainCount: grainCount, tableCount: tableCount)
    }

    /// The bytes of the embedded descriptor, or nil when the header gives none: checked to be
    /// no larger than a descriptor may be and to lie within sectors 1..<`limitSectors` + 1 of
    /// the file (after the header, before the end of the file or the first grain).
    /// `where` says what that limit is, for the message ("outside the 65536-byte file").
    /// - Throws: `.limitExceeded` (descriptorSize), `.outOfBounds` (descriptorOffset).
    func embeddedDescriptor(
        path: String, base: UInt64, withinSectors limitSectors: UInt64, where place: @autoclosure () -> String
    ) throws(VMDKError) -> Range<UInt64>? {
        guard descriptorOffset != 0 || descriptorSize != 0 else { return nil }
        guard descriptorSize <= UInt64(Descriptor.maximumSize) / Limits.sectorSize else {
            throw Self.fieldError(
                .descriptorSize, path: path, base: base,
                "embedded descriptor of \(descriptorSize) sectors is larger than \(Descriptor.maximumSize) bytes",
                code: .limitExceeded)
        }
        // Compared in sectors, so a huge offset cannot overflow into an in-range byte offset.
        guard descriptorOffset >= 1, descriptorOffset <= limitSectors, descriptorSize <= limitSectors - descriptorOffset
        else {
            throw Self.fieldError(
                .descriptorOffset, path: path, base: base,
                "embedded descriptor at sector \(descriptorOffset) (+\(descriptorSize)) \(place())", code: .outOfBounds)
        }
        let start = descriptorOffset * Limits.sectorSize
        return start..<(start + descriptorSize * Limits.sectorSize)
    }

    /// Largest compressed grain accepted: deflate never grows data by more than a few bytes
    /// per 64 KiB block, so anything bigger is a corrupt size field.
    static func maximumCompressedSize(grainBytes: UInt64) -> UInt64 { grainBytes + grainBytes / 8 + 1024 }

    /// Warnings a header earns without being refused.
    func warnings(path: String) -> [String] {
        var warnings: [String] = []
        if version == 3 {
            warnings.append(
                "\(path): sparse header version 3 (changed-block tracking present; ignored, read-only access)")
        }
        if uncleanShutdown != 0 {
            warnings.append("\(path): unclean-shutdown flag is set (the VM was not shut down cleanly)")
        }
        let unknown = flags.subtracting(.known)
        if !unknown.isEmpty {
            warnings.append("\(path): unknown header flags \(hex(UInt64(unknown.rawValue)))")
        }
        return warnings
    }
}
