/// The VM Generation ID: VMware stores it as two signed 64-bit decimals, `vm.genid` (low
/// half) and `vm.genidX` (high half), and shows the guest the 128-bit value little-endian:
/// the low half's eight bytes, then the high half's.
///
/// Ferry turns that into the GUID string for libvirt's `<genid>`. QEMU parses that string
/// as a big-endian UUID and byte-swaps its first three fields before writing it to guest
/// memory (hw/acpi/vmgenid.c), so the string must be the *GUID rendering* of the guest
/// bytes for the guest to see the same ID after migration. virt-v2v does the same.
/// Newer libvirt (post-11.3 `vmx2xmldata/esx-in-the-wild-17`) instead prints genid then
/// genidX as plain big-endian hex; given to QEMU, that string would present different bytes,
/// and Windows would react as to a snapshot restore (an AD domain controller discards its
/// RID pool and resets its invocation ID). Keeping the guest's view is the point of
/// migrating the ID, so Ferry follows virt-v2v; ``libvirtVMXString`` gives the other form
/// for comparison.
package struct GenerationID: Hashable, Sendable {
    var low: Int64
    var high: Int64

    /// The 16 bytes the guest reads.
    var guestBytes: [UInt8] {
        withUnsafeBytes(of: low.littleEndian) { Array($0) } + withUnsafeBytes(of: high.littleEndian) { Array($0) }
    }

    /// The GUID string whose mixed-endian encoding is ``guestBytes`` (what `<genid>` needs).
    var guidString: String {
        let b = guestBytes
        let reordered = [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]] + Array(b[8..<16])
        return Self.format(reordered)
    }

    /// genid then genidX as big-endian hex, the way post-11.3 libvirt prints it.
    var libvirtVMXString: String {
        let bytes =
            withUnsafeBytes(of: UInt64(bitPattern: low).bigEndian) { Array($0) }
            + withUnsafeBytes(of: UInt64(bitPattern: high).bigEndian) { Array($0) }
        return Self.format(bytes)
    }

    /// The `<genid>` GUID for `vm.genid` and `vm.genidX` as vSphere's `extraConfig` gives
    /// them (decimal text); nil unless both are there and numbers.
    package static func guid(low: String?, high: String?) -> String? {
        guard let low = low.flatMap({ Int64($0.trimmingSpaces()) }), let high = high.flatMap({ Int64($0.trimmingSpaces()) })
        else { return nil }
        return GenerationID(low: low, high: high).guidString
    }

    private static func format(_ bytes: [UInt8]) -> String {
        var text = ""
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append("-") }
            let digits = String(byte, radix: 16)
            if digits.count == 1 { text.append("0") }
            text.append(digits)
        }
        return text
    }
}
