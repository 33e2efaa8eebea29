/// The members of a tar archive read front to back (an OVA from a pipe, or read in one
/// pass): each header in turn, the member's data read or skipped by the caller through
/// ``reader``, never going back.
final class TarWalker {
    struct Member {
        /// Name with any leading `./` removed.
        let name: String
        let size: UInt64
        /// Where the member's data starts in the archive.
        let dataOffset: UInt64
    }

    let reader: SequentialReader
    private var pending = TarPendingAttributes()
    private var names: Set<String> = []
    /// Where the data of the current member ends, plus padding: where the next header is.
    private var nextHeader: UInt64 = 0
    private(set) var ended = false

    init(_ reader: SequentialReader) { self.reader = reader }

    var path: String { reader.displayPath }

    /// Moves to the next regular member, skipping whatever of the current one was not read,
    /// directories, links and pax or long-name headers. Nil at the end of the archive (a zero
    /// block, or the source ending where a header would start).
    func next() throws(VMDKError) -> Member? {
        guard !ended else { return nil }
        guard reader.position <= nextHeader else {
            preconditionFailure("a member was read past its end")
        }
        try reader.skip(nextHeader - reader.position, field: "tar member")
        while true {
            let offset = reader.position
            if try reader.atEnd() {
                ended = true
                return nil
            }
            guard let block = try reader.peek(Int(TarHeader.blockSize)) else {
                throw VMDKError(.badArchive, file: path, offset: offset, "archive ends inside a tar header")
            }
            let header = try TarHeader.decode(Array(block), at: offset, path: path)
            try reader.skip(TarHeader.blockSize, field: "tar header")
            if header.kind == .endOfArchive {
                ended = true
                return nil
            }
            let size = pending.size(of: header)
            let dataOffset = offset + TarHeader.blockSize
            nextHeader = dataOffset + TarHeader.padded(size)
            switch header.kind {
            case .longName, .pax:
                let what = header.kind == .pax ? "pax header" : "GNU long name"
                guard size <= TarPendingAttributes.limit(header.kind) else {
                    throw VMDKError(.badArchive, file: path, offset: offset, "\(what) of \(size) bytes")
                }
                let bytes = try reader.bytes(Int(size), field: what)
                try pending.absorb(header.kind, data: bytes, path: path, dataOffset: dataOffset)
            case .ignored:
                break
            case .regular:
                let name = pending.memberName(for: header)
                guard names.insert(name).inserted else {
                    throw VMDKError(
                        .badArchive, file: path, offset: offset, "archive holds two members named \"\(name)\"")
                }
                guard names.count <= TarArchive.maximumMembers else {
                    throw VMDKError(
                        .limitExceeded, file: path, "archive has more than \(TarArchive.maximumMembers) members")
                }
                return Member(name: name, size: size, dataOffset: dataOffset)
            case .other, .endOfArchive:
                pending.reset()
            }
            try reader.skip(nextHeader - reader.position, field: "tar member")
        }
    }

    /// Reads whatever follows the end of the archive (tar pads to 10 KiB records), so a
    /// writer at the other end of a pipe is never cut off mid-write.
    func drain() throws(VMDKError) {
        while !(try reader.atEnd()) {
            _ = try reader.readAvailable(upTo: SequentialReader.bufferSize) { $0.count }
        }
    }
}
