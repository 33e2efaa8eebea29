/// One marker of a streamOptimized extent, as it appears at a sector boundary of the stream.
///
/// A grain marker is `lba u64, size u32` followed by `size` bytes of zlib data, padded to
/// whole sectors. A metadata marker is one sector `numSectors u64, size u32 = 0, type u32`
/// and zero padding, followed by `numSectors` sectors of metadata.
enum StreamMarker: Equatable {
    case grain(lba: UInt64, size: UInt32)
    case endOfStream
    case grainTable(sectors: UInt64)
    case grainDirectory(sectors: UInt64)
    case footer(sectors: UInt64)

    /// Bytes of a grain marker before its data.
    static let grainHeaderSize = 12

    /// Decodes the marker that starts `sector` (the whole 512-byte sector, so a metadata
    /// marker's padding can be checked), found at `offset` of the stream.
    static func decode(sector: [UInt8], path: String, offset: UInt64) throws(VMDKError) -> StreamMarker {
        let value = sector.le64(0)
        let size = sector.le32(8)
        if size != 0 { return .grain(lba: value, size: size) }
        let type = sector.le32(12)
        if !sector.allZero(16..<sector.count) {
            throw VMDKError(
                .badTable, file: path, field: "marker padding", offset: offset + 16,
                "metadata marker of type \(type) has non-zero padding: this is not a marker")
        }
        switch type {
        case StreamFooter.markerEndOfStream:
            guard value == 0 else {
                throw VMDKError(
                    .badTable, file: path, field: "end-of-stream marker numSectors", offset: offset,
                    "end-of-stream marker says \(value) sectors follow; it must be 0")
            }
            return .endOfStream
        case StreamFooter.markerGrainTable: return .grainTable(sectors: value)
        case StreamFooter.markerGrainDirectory: return .grainDirectory(sectors: value)
        case StreamFooter.markerFooter: return .footer(sectors: value)
        default:
            throw VMDKError(
                .badTable, file: path, field: "marker type", offset: offset + 12,
                "unknown stream marker type \(type) (0 end of stream, 1 grain table, 2 grain directory, 3 footer)")
        }
    }
}
