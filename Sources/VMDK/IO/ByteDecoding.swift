/// Little-endian field access for on-disk structures. Every VMDK header is little-endian
/// regardless of the host, and fields are not naturally aligned (the KDMV header packs a
/// u64 at offset 12), so loads are unaligned.
extension UnsafeRawBufferPointer {
    func le16(_ offset: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    func le32(_ offset: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    func le64(_ offset: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
}

extension Array where Element == UInt8 {
    func le16(_ offset: Int) -> UInt16 { withUnsafeBytes { $0.le16(offset) } }
    func le32(_ offset: Int) -> UInt32 { withUnsafeBytes { $0.le32(offset) } }
    func le64(_ offset: Int) -> UInt64 { withUnsafeBytes { $0.le64(offset) } }

    /// True if every byte in `range` is zero (used for padding checks).
    func allZero(_ range: Range<Int>) -> Bool { self[range].allSatisfy { $0 == 0 } }
}

/// `0x1f400` style, for messages.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// Bytes as "16 GiB" / "1.5 MiB" for human-readable reports.
func humanBytes(_ value: UInt64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"]
    if value < 1024 { return "\(value) bytes" }
    var scaled = Double(value)
    var unit = 0
    while scaled >= 1024, unit < units.count - 1 {
        scaled /= 1024
        unit += 1
    }
    let rounded = (scaled * 10).rounded() / 10
    let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    return "\(text) \(units[unit])"
}
