/// What a file holds, told from its first bytes: the one place that knows the magic
/// numbers. ``Layer`` (a VMDK image), ``SequentialDisk`` (a stream), ``VirtualDisk`` (a
/// disk or an OVA) and Ferry's source opener all ask it.
public enum FileFormat: Sendable, Hashable {
    /// "KDMV": a hosted sparse file (monolithicSparse, streamOptimized, a split extent).
    case hostedSparse
    /// "COWD": a vmfsSparse snapshot delta, read through its descriptor.
    case vmfsSparseDelta
    /// A seSparse snapshot delta, read through its descriptor.
    case seSparseDelta
    /// A tar archive: an OVA.
    case tarArchive
    /// Text up to the first NUL (and at most a few stray bytes after it): a VMDK
    /// descriptor, or a VMX.
    case text
    /// None of these.
    case unknown

    /// Bytes to read for ``sniff(_:)``: one tar block.
    public static let headLength = 512

    /// Tells the format from the first ``headLength`` bytes (fewer for a shorter file).
    public static func sniff(_ head: [UInt8]) -> FileFormat {
        // The tar check first: a member name could begin with any magic.
        if TarHeader.isHeader(head) { return .tarArchive }
        if head.count >= 4 {
            switch head.le32(0) {
            case SparseHeader.magic: return .hostedSparse
            case COWDExtent.magic: return .vmfsSparseDelta
            default: break
            }
        }
        if head.count >= 8, head.le64(0) == SESparseExtent.constMagic { return .seSparseDelta }
        let textEnd = head.firstIndex(of: 0) ?? head.count
        if textEnd > 0, head[..<textEnd].allSatisfy(isTextByte), isLeftoverAfterText(head[textEnd...]) {
            return .text
        }
        return .unknown
    }

    static func isTextByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09
    }

    /// What may follow a text descriptor's first NUL. qemu rewrites a descriptor in place
    /// when it changes the CID: it zero-pads to whole sectors, and when the new CID has fewer
    /// hex digits (1 write in 256 has six) the old text's last bytes stay behind the new
    /// text's NUL (seen: text, NUL, "\n", NULs). So: NULs, and at most a few text bytes
    /// among them; anything else is not text.
    static func isLeftoverAfterText(_ bytes: ArraySlice<UInt8>) -> Bool {
        var leftover = 0
        for byte in bytes where byte != 0 {
            guard isTextByte(byte) else { return false }
            leftover += 1
            if leftover > maximumLeftoverAfterText { return false }
        }
        return true
    }

    /// A CID shrinks by at most 7 hex digits; room for one more rewrite of the same kind.
    private static let maximumLeftoverAfterText = 16
}

extension FileFormat {
    /// Reads the head of `file` and sniffs it.
    static func sniff(_ file: RandomAccessFile) throws(VMDKError) -> FileFormat {
        sniff(try file.bytes(at: 0, count: Int(min(file.length, UInt64(headLength)))))
    }
}
