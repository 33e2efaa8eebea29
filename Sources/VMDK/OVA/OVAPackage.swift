import Hashing

/// An OVA opened in place: its tar members, OVF disk references and manifest.
///
/// Disks are never extracted: a disk is a ``RandomAccessFile`` over the member's bytes
/// inside the tar (several members back to back for an OVF `chunkSize` disk).
struct OVAPackage: Sendable {
    /// The whole archive, wherever it is read from.
    let file: RandomAccessFile
    let path: String
    let archive: TarArchive
    /// The `.ovf` member, if any.
    let descriptorMember: String?
    let references: OVFReferences?
    let manifest: Manifest?
    /// Folder (inside the tar) that the OVF's hrefs and the manifest's names are relative to.
    let ovfFolder: String
    let manifestFolder: String
    let warnings: [String]

    static let maximumOVFSize: UInt64 = 64 << 20
    static let maximumManifestSize: UInt64 = 4 << 20

    /// Opens the OVA the user named, through `access`.
    static func open(_ path: String, access: any FileAccess) throws(VMDKError) -> OVAPackage {
        try OVAPackage(file: RandomAccessFile(access.open(access.locate(path))))
    }

    init(file source: RandomAccessFile) throws(VMDKError) {
        let path = source.displayPath
        guard try FileFormat.sniff(source) == .tarArchive else {
            throw VMDKError(.badArchive, file: path, "not a tar archive (an OVA is a tar of .ovf, .mf and disks)")
        }
        let archive = try TarArchive(source)
        var warnings: [String] = []
        let ovf = archive.members.first { $0.name.lowercased().hasSuffix(".ovf") }
        if let ovf, archive.members.first?.name != ovf.name {
            warnings.append("\(path): the .ovf is not the first member of the OVA (the OVF standard requires it)")
        }
        var references: OVFReferences?
        if let ovf {
            guard ovf.size <= Self.maximumOVFSize else {
                throw VMDKError(.limitExceeded, file: "\(path):\(ovf.name)", "OVF descriptor of \(ovf.size) bytes")
            }
            let bytes = try source.bytes(at: ovf.dataOffset, count: Int(ovf.size), field: ovf.name)
            references = try OVFReferences(bytes, path: "\(path):\(ovf.name)")
        } else {
            warnings.append("\(path): no .ovf descriptor in the archive; disks are picked by their .vmdk name")
        }
        let ovfFolder = ovf.map { folderPrefix($0.name) } ?? ""
        let manifestMember =
            archive.members.first { member in
                guard let ovf else { return false }
                return member.name == String(ovf.name.dropLast(4)) + ".mf"
            } ?? archive.members.first { $0.name.lowercased().hasSuffix(".mf") }
        var manifest: Manifest?
        if let manifestMember {
            guard manifestMember.size <= Self.maximumManifestSize else {
                throw VMDKError(
                    .limitExceeded, file: "\(path):\(manifestMember.name)", "manifest of \(manifestMember.size) bytes")
            }
            let bytes = try source.bytes(
                at: manifestMember.dataOffset, count: Int(manifestMember.size), field: manifestMember.name)
            let parsed = try Manifest(bytes, path: "\(path):\(manifestMember.name)")
            warnings += parsed.warnings
            manifest = parsed
        }
        if archive.members.contains(where: { $0.name.lowercased().hasSuffix(".cert") }) {
            warnings.append(
                "\(path): the OVA is signed (.cert); the signature is not checked, only the manifest digests")
        }
        self.file = source
        self.path = path
        self.archive = archive
        self.descriptorMember = ovf?.name
        self.references = references
        self.manifest = manifest
        self.ovfFolder = ovfFolder
        self.manifestFolder = manifestMember.map { folderPrefix($0.name) } ?? ""
        self.warnings = warnings
    }

    /// Disks the OVF references (without an OVF: the `.vmdk` members).
    var diskCount: Int {
        references?.disks.count ?? archive.members.filter { $0.name.lowercased().hasSuffix(".vmdk") }.count
    }

    struct Disk {
        let source: RandomAccessFile
        let members: [String]
    }

    /// The disk whose OVF href (or member name) is `name`, or the first disk.
    func disk(named name: String?) throws(VMDKError) -> Disk {
        let candidates: [OVFReferences.FileReference]
        if let references {
            candidates = references.disks
        } else {
            candidates = archive.members.filter { $0.name.lowercased().hasSuffix(".vmdk") }
                .map { OVFReferences.FileReference(id: $0.name, href: $0.name) }
        }
        let reference = try OVFReferences.pick(name, from: candidates, folder: ovfFolder, archive: path)
        let display = "\(path):\(reference.href)"
        let memberName = ovfFolder + reference.href
        let members: [TarArchive.Member]
        if let chunkSize = reference.chunkSize {
            members = try chunks(of: memberName, chunkSize: chunkSize, display: display)
        } else if let member = archive.members.first(where: { $0.name == memberName }) {
            members = [member]
        } else if archive.members.contains(where: { $0.name == memberName + ".000000000" }) {
            throw VMDKError(
                .unsupported, file: display,
                "the archive holds only chunks (\(memberName).000000000, …) but the OVF declares no chunkSize")
        } else {
            throw VMDKError(
                .notFound, file: display, "the OVF references \"\(reference.href)\" but the archive does not contain it"
            )
        }
        let total = members.reduce(0) { $0 + $1.size }
        if let size = reference.size, size != total {
            throw VMDKError(
                .sizeMismatch, file: display, field: "File/@size",
                "the OVF says \(size) bytes, the archive holds \(total)")
        }
        let source = RandomAccessFile(
            FileSlices(of: file.file, ranges: members.map { ($0.dataOffset, $0.size) }, displayPath: display))
        return Disk(source: source, members: members.map(\.name))
    }

    /// `name.000000000`, `name.000000001`, …: every chunk but the last exactly `chunkSize`.
    private func chunks(of name: String, chunkSize: UInt64, display: String) throws(VMDKError) -> [TarArchive.Member] {
        guard chunkSize > 0 else {
            throw VMDKError(.badArchive, file: display, field: "File/@chunkSize", "chunkSize is zero")
        }
        var result: [TarArchive.Member] = []
        while true {
            let suffix = String(result.count)
            let chunkName = name + "." + String(repeating: "0", count: max(0, 9 - suffix.count)) + suffix
            guard let member = archive.members.first(where: { $0.name == chunkName }) else { break }
            if let last = result.last, last.size != chunkSize {
                throw VMDKError(
                    .badArchive, file: display,
                    "chunk \(last.name) is \(last.size) bytes, but only the last chunk may differ from chunkSize \(chunkSize)"
                )
            }
            guard member.size <= chunkSize else {
                throw VMDKError(.badArchive, file: display, "chunk \(chunkName) is larger than chunkSize \(chunkSize)")
            }
            result.append(member)
        }
        guard !result.isEmpty else {
            throw VMDKError(
                .notFound, file: display, "the OVF declares a chunked disk but \(name).000000000 is missing")
        }
        return result
    }

    /// Hashes each of `members` and compares it with the manifest. Returns a one-line
    /// status for ``ArchiveInfo``; throws `.manifestMismatch` on the first wrong digest.
    func verify(members: [String], warnings: inout [String]) throws(VMDKError) -> String {
        try Manifest.verify(manifest, folder: manifestFolder, members: members, archive: path, warnings: &warnings) {
            (name, algorithm) throws(VMDKError) in
            guard let member = archive.members.first(where: { $0.name == name }) else { return nil }
            return try digest(member, algorithm: algorithm)
        }
    }

    private func digest(_ member: TarArchive.Member, algorithm: HashAlgorithm) throws(VMDKError) -> String {
        let source = file.slice(base: member.dataOffset, length: member.size, displayPath: "\(path):\(member.name)")
        let hasher = StreamingHash(algorithm)
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var offset: UInt64 = 0
        while offset < member.size {
            let count = Int(min(UInt64(chunk), member.size - offset))
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
            try source.read(into: slice, at: offset)
            hasher.update(UnsafeRawBufferPointer(slice))
            offset += UInt64(count)
        }
        return hasher.finish().hexString
    }
}

/// "sub/dir/" for "sub/dir/x.ovf", "" for "x.ovf".
func folderPrefix(_ name: String) -> String {
    guard let slash = name.lastIndex(of: "/") else { return "" }
    return String(name[...slash])
}
