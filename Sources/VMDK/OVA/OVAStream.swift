import Hashing

/// The disk of an OVA read front to back in one pass: from a pipe, or from a file without
/// reading it twice.
///
/// The OVF must come first (the OVF standard requires it; a manifest before it is fine): it
/// names the disk. The disk's member (or, for an OVF `chunkSize` disk, its chunks in order)
/// is then handed out as this source's bytes. Every disk member and the OVF are hashed as
/// they pass, and at the end (``finish()``) compared with the manifest, wherever in the
/// archive the manifest was. While no manifest has been seen yet there is no telling which
/// algorithm it will use, so SHA1, SHA256 and SHA512 all run; ovftool writes the manifest
/// before the disks, where only the one algorithm needed runs.
final class OVAStreamSource: ByteSource {
    let displayPath: String
    /// The archive's name (`stdin`, or the OVA's path).
    let archivePath: String
    private(set) var warnings: [String] = []
    /// The manifest's verdict, once ``finish()`` ran.
    private(set) var manifestStatus = "not verified (the stream was not read to its end)"

    private let walker: TarWalker
    private let reference: OVFReferences.FileReference
    private let memberName: String
    private var manifest: Manifest?
    private var manifestMember: String?
    private let descriptorMember: String
    /// Digests of every member that must match the manifest, by member name.
    private var digests: [String: [HashAlgorithm: String]] = [:]
    private var chunkSizes: [UInt64] = []
    private var current: (member: TarWalker.Member, remaining: UInt64, hash: MemberHash)?
    private var diskDone = false

    /// Reads up to the disk's first member. `member` picks the disk by OVF href (nil: the
    /// first disk of the DiskSection).
    init(_ reader: SequentialReader, member: String?) throws(VMDKError) {
        let walker = TarWalker(reader)
        let path = reader.displayPath
        self.walker = walker
        self.archivePath = path
        var manifest: (name: String, value: Manifest)?
        var ovf: TarWalker.Member?
        while ovf == nil {
            guard let next = try walker.next() else {
                throw VMDKError(.badArchive, file: path, "the OVA holds no .ovf descriptor")
            }
            if next.name.lowercased().hasSuffix(".ovf") {
                ovf = next
            } else if next.name.lowercased().hasSuffix(".mf") {
                manifest = (next.name, try Self.readManifest(next, walker: walker, archive: path))
            } else {
                throw VMDKError(
                    .unsupported, file: "\(path):\(next.name)",
                    "the OVA does not start with its .ovf descriptor (the OVF standard requires it), so it cannot be read in one pass; import it from a file"
                )
            }
        }
        let descriptor = ovf!
        guard descriptor.size <= OVAPackage.maximumOVFSize else {
            throw VMDKError(
                .limitExceeded, file: "\(path):\(descriptor.name)", "OVF descriptor of \(descriptor.size) bytes")
        }
        let bytes = try walker.reader.bytes(Int(descriptor.size), field: descriptor.name)
        let references = try OVFReferences(bytes, path: "\(path):\(descriptor.name)")
        let folder = folderPrefix(descriptor.name)
        let reference = try OVFReferences.pick(member, from: references.disks, folder: folder, archive: path)
        if reference.chunkSize == 0 {
            throw VMDKError(
                .badArchive, file: "\(path):\(reference.href)", field: "File/@chunkSize", "chunkSize is zero")
        }
        self.reference = reference
        self.memberName = folder + reference.href
        self.displayPath = "\(path):\(reference.href)"
        self.descriptorMember = descriptor.name
        self.manifest = manifest?.value
        self.manifestMember = manifest?.name
        let descriptorHash = MemberHash(algorithms: algorithms(for: descriptor.name))
        bytes.withUnsafeBytes { descriptorHash.update($0) }
        digests[descriptor.name] = descriptorHash.finish()
        try startNextDiskMember()
        guard current != nil else {
            throw VMDKError(
                .notFound, file: displayPath,
                "the OVF references \"\(reference.href)\" but the archive does not contain it")
        }
    }

    /// The disk's bytes, member after member; 0 once the disk is complete.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VMDKError) -> Int {
        while true {
            guard let (member, remaining, hash) = current else {
                if diskDone { return 0 }
                try startNextDiskMember()
                continue
            }
            if remaining == 0 {
                digests[member.name] = hash.finish()
                chunkSizes.append(member.size)
                current = nil
                if reference.chunkSize == nil || member.size < reference.chunkSize! { diskDone = true }
                continue
            }
            let count = try walker.reader.readAvailable(upTo: Int(min(UInt64(buffer.count), remaining))) { bytes in
                buffer.copyMemory(from: bytes)
                hash.update(bytes)
                return bytes.count
            }
            guard count > 0 else {
                throw VMDKError(
                    .truncated, file: archivePath, field: member.name, offset: walker.reader.position,
                    "the archive ends inside \(member.name), \(remaining) bytes short")
            }
            current = (member, remaining - UInt64(count), hash)
            return count
        }
    }

    /// Walks to the disk's next member (the first, or the next chunk), reading a manifest
    /// met on the way and skipping other members. At the end of the archive the disk is done.
    private func startNextDiskMember() throws(VMDKError) {
        let wanted = reference.chunkSize == nil ? memberName : Self.chunkName(memberName, chunkSizes.count)
        while let next = try walker.next() {
            if next.name == wanted {
                if let chunkSize = reference.chunkSize, next.size > chunkSize {
                    throw VMDKError(
                        .badArchive, file: displayPath, "chunk \(next.name) is larger than chunkSize \(chunkSize)")
                }
                current = (next, next.size, MemberHash(algorithms: algorithms(for: next.name)))
                return
            }
            try take(next)
        }
        diskDone = true
    }

    /// A member that is not the next piece of the disk: a manifest is read, a piece of the
    /// disk out of order is refused, anything else is passed over.
    private func take(_ member: TarWalker.Member) throws(VMDKError) {
        let lowered = member.name.lowercased()
        if lowered.hasSuffix(".mf") {
            let preferred = String(descriptorMember.dropLast(4)) + ".mf"
            if manifest == nil || (member.name == preferred && manifestMember != preferred) {
                manifest = try Self.readManifest(member, walker: walker, archive: archivePath)
                manifestMember = member.name
            }
        } else if member.name == memberName || member.name.hasPrefix(memberName + ".") {
            if reference.chunkSize == nil && member.name == memberName + ".000000000" {
                throw VMDKError(
                    .unsupported, file: displayPath,
                    "the archive holds only chunks (\(memberName).000000000, …) but the OVF declares no chunkSize")
            }
            if reference.chunkSize != nil || member.name == memberName {
                throw VMDKError(
                    .badArchive, file: displayPath,
                    "\(member.name) comes out of order (after the disk's stream ended or before an earlier chunk)")
            }
        }
    }

    /// Reads the rest of the archive and compares the disk members and the OVF with the
    /// manifest. Throws `.manifestMismatch` naming the member whose digest is wrong.
    func finish() throws(VMDKError) {
        guard diskDone, current == nil else {
            throw VMDKError(
                .sizeMismatch, file: displayPath,
                "the disk's stream ended before the end of its archive member")
        }
        if let chunkSize = reference.chunkSize, let short = chunkSizes.dropLast().firstIndex(where: { $0 != chunkSize })
        {
            throw VMDKError(
                .badArchive, file: displayPath,
                "chunk \(Self.chunkName(memberName, short)) is \(chunkSizes[short]) bytes, but only the last chunk may differ from chunkSize \(chunkSize)"
            )
        }
        let total = chunkSizes.reduce(0, +)
        if let size = reference.size, size != total {
            throw VMDKError(
                .sizeMismatch, file: displayPath, field: "File/@size",
                "the OVF says \(size) bytes, the archive holds \(total)")
        }
        while let next = try walker.next() { try take(next) }
        try walker.drain()
        let members = (0..<chunkSizes.count).map {
            reference.chunkSize == nil ? memberName : Self.chunkName(memberName, $0)
        }
        let folder = manifestMember.map(folderPrefix) ?? ""
        manifestStatus = try Manifest.verify(
            manifest, folder: folder, members: members + [descriptorMember], archive: archivePath, warnings: &warnings
        ) { (name, algorithm) throws(VMDKError) in
            digests[name]?[algorithm]
        }
    }

    /// `name.000000000`, `name.000000001`, …
    private static func chunkName(_ name: String, _ index: Int) -> String {
        let suffix = String(index)
        return name + "." + String(repeating: "0", count: max(0, 9 - suffix.count)) + suffix
    }

    /// The algorithms to hash `member` with: the manifest's for it, or all while no
    /// manifest has been seen.
    private func algorithms(for member: String) -> [HashAlgorithm] {
        guard let manifest else { return HashAlgorithm.allCases }
        let folder = manifestMember.map(folderPrefix) ?? ""
        return manifest.entry(for: member, folder: folder).map { [$0.algorithm] } ?? []
    }

    private static func readManifest(_ member: TarWalker.Member, walker: TarWalker, archive: String)
        throws(VMDKError) -> Manifest
    {
        guard member.size <= OVAPackage.maximumManifestSize else {
            throw VMDKError(.limitExceeded, file: "\(archive):\(member.name)", "manifest of \(member.size) bytes")
        }
        let bytes = try walker.reader.bytes(Int(member.size), field: member.name)
        return try Manifest(bytes, path: "\(archive):\(member.name)")
    }
}

/// One member's digests in several algorithms at once, fed as its bytes pass.
final class MemberHash {
    private let hashes: [StreamingHash]

    init(algorithms: [HashAlgorithm]) { hashes = algorithms.map(StreamingHash.init) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        for hash in hashes { hash.update(bytes) }
    }

    func finish() -> [HashAlgorithm: String] {
        Dictionary(uniqueKeysWithValues: hashes.map { ($0.algorithm, $0.finish().hexString) })
    }
}
