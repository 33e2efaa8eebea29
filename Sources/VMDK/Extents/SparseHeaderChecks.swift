/// The checks every hosted sparse header must pass before any table is sized from it,
/// shared by the random-access extent and the front-to-back stream reader.
extension SparseHeader {
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
            VMDKError(code, file: path, field: "\(field)", offset: base + field.rawValue, message)
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
