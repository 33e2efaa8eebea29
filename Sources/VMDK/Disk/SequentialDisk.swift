/// Opening a disk that is read front to back: a streamOptimized VMDK or an OVA holding
/// one, from standard input, a pipe, or a file read in a single pass.
public enum SequentialDisk {
    /// Reads the start of `source` and opens what it holds, told apart by its first bytes:
    /// "KDMV" (a streamOptimized VMDK) or a tar header (an OVA, whose disk `member`, or the
    /// first disk, must be streamOptimized and follow the .ovf).
    /// - Throws: `.badMagic` for anything else, `.unsupported` for a VMDK that is not
    ///   streamOptimized, and every header, table and archive error of the readers.
    public static func open(_ source: any ByteSource, member: String? = nil) throws(VMDKError) -> StreamOptimizedReader
    {
        let reader = SequentialReader(source)
        guard let head = try reader.peek(SparseHeader.size) else {
            throw VMDKError(
                .truncated, file: source.displayPath,
                "the stream is shorter than 512 bytes: neither a VMDK nor an OVA")
        }
        switch FileFormat.sniff(Array(head)) {
        case .hostedSparse:
            return try StreamOptimizedReader(reader)
        case .tarArchive:
            let archive = try OVAStreamSource(reader, member: member)
            return try StreamOptimizedReader(SequentialReader(archive))
        case .vmfsSparseDelta, .seSparseDelta, .text, .unknown:
            throw VMDKError(
                .badMagic, file: source.displayPath, offset: 0,
                "neither a streamOptimized VMDK (no KDMV magic) nor an OVA (no tar header)")
        }
    }

    /// True if the OVA at `path` can be imported in one pass: its .ovf comes first and the
    /// disk `member` (nil: the first) is streamOptimized — and, with `onlyDisk`, it is the
    /// package's only disk. Such an OVA is better read front to back, hashing its members on
    /// the way, than checked against its manifest in a separate pass and then read again;
    /// with several disks, one pass per disk would read the archive more often than that.
    public static func isSinglePassOVA(
        _ path: String, member: String? = nil, onlyDisk: Bool = false, access: any FileAccess = LocalFiles()
    ) throws(VMDKError) -> Bool {
        let file = RandomAccessFile(try access.open(access.locate(path)))
        defer { file.file.close() }
        guard try FileFormat.sniff(file) == .tarArchive else { return false }
        let package = try OVAPackage(file: file)
        guard let ovf = package.descriptorMember, package.archive.members.first?.name == ovf else { return false }
        if onlyDisk, package.diskCount != 1 { return false }
        let disk = try package.disk(named: member)
        guard disk.source.length >= UInt64(SparseHeader.size),
            let header = SparseHeader(try disk.source.bytes(at: 0, count: SparseHeader.size))
        else { return false }
        return header.isCompressed && header.flags.contains(.markers)
    }
}
