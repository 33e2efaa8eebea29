/// The member list of a tar archive (an OVA), read from its 512-byte headers without
/// extracting anything. Understands POSIX ustar, pax extended headers (`path`, `size`)
/// and GNU long names (`././@LongLink`), which is what ovftool, GNU tar and bsdtar write.
struct TarArchive: Sendable {
    struct Member: Sendable {
        /// Name with any leading `./` removed.
        let name: String
        /// Where the member's data starts in the archive.
        let dataOffset: UInt64
        let size: UInt64
    }

    let members: [Member]

    static let blockSize: UInt64 = 512
    /// Far more than any OVA holds; a bound so a hostile archive cannot make us list forever.
    static let maximumMembers = 100_000

    init(_ file: RandomAccessFile) throws(VMDKError) {
        let path = file.displayPath
        var members: [Member] = []
        var names: Set<String> = []
        var offset: UInt64 = 0
        var pending = TarPendingAttributes()
        while true {
            guard offset + Self.blockSize <= file.length else {
                // A missing end-of-archive marker is tolerated (many writers omit it) as
                // long as no header is cut short.
                if offset == file.length { break }
                throw VMDKError(.badArchive, file: path, offset: offset, "archive ends inside a tar header")
            }
            let block = try file.bytes(at: offset, count: Int(Self.blockSize), field: "tar header")
            let header = try TarHeader.decode(block, at: offset, path: path)
            if header.kind == .endOfArchive { break }
            let size = pending.size(of: header)
            let dataOffset = offset + Self.blockSize
            guard size <= file.length, dataOffset <= file.length - size else {
                throw VMDKError(
                    .badArchive, file: path, offset: offset,
                    "tar member of \(size) bytes at \(dataOffset) runs past the end of the \(file.length)-byte archive")
            }
            switch header.kind {
            case .longName, .pax:
                guard size <= TarPendingAttributes.limit(header.kind) else {
                    throw VMDKError(
                        .badArchive, file: path, offset: offset,
                        "\(header.kind == .pax ? "pax header" : "GNU long name") of \(size) bytes")
                }
                let bytes = try file.bytes(
                    at: dataOffset, count: Int(size), field: header.kind == .pax ? "pax header" : "GNU long name")
                try pending.absorb(header.kind, data: bytes, path: path, dataOffset: dataOffset)
            case .ignored:
                break
            case .regular:
                let name = pending.memberName(for: header)
                guard !names.contains(name) else {
                    throw VMDKError(
                        .badArchive, file: path, offset: offset, "archive holds two members named \"\(name)\"")
                }
                names.insert(name)
                members.append(Member(name: name, dataOffset: dataOffset, size: size))
                guard members.count <= Self.maximumMembers else {
                    throw VMDKError(.limitExceeded, file: path, "archive has more than \(Self.maximumMembers) members")
                }
            case .other, .endOfArchive:
                pending.reset()
            }
            offset = dataOffset + TarHeader.padded(size)
        }
        self.members = members
    }
}
