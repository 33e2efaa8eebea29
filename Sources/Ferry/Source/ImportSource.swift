import BlockingCalls
import Foundation
import VMDK
import VSphere

/// A disk opened for import: how it is read, what names it, and what identifies it for
/// `--resume`. ``open(_:member:options:singlePass:)`` is the one way the CLI, `migrate`
/// and jobs turn a path into something ``DiskImporter`` writes.
public struct ImportSource: Sendable {
    public enum Reader: Sendable {
        /// Read anywhere at once: the allocation map is planned up front.
        case disk(any DiskReader)
        /// Read front to back (a pipe, or an OVA read in one pass): chunks are only known as
        /// the stream goes by, and bad input can only be found on the way.
        case stream(SequentialSource)
    }

    public let reader: Reader
    /// How the source is named in errors and in the image's metadata: a path,
    /// `archive.ova:member`, or `stdin`.
    public let name: String
    /// What must match for `--resume` to continue an image (see ``SourceIdentity``).
    public let identity: String
    /// False for standard input: nothing proves a second pipe carries the same disk.
    public let isResumable: Bool
    /// The disk to close when the import is over, when this source opened one.
    private let opened: VirtualDisk?

    public init(disk: any DiskReader, name: String, identity: String) {
        self.reader = .disk(disk)
        self.name = name
        self.identity = identity
        self.isResumable = true
        self.opened = disk as? VirtualDisk
    }

    public init(stream: SequentialSource, name: String, identity: String, isResumable: Bool = true) {
        self.reader = .stream(stream)
        self.name = name
        self.identity = identity
        self.isResumable = isResumable
        self.opened = nil
    }

    /// Size of the virtual disk in bytes.
    public var capacity: UInt64 {
        switch reader {
        case .disk(let disk): disk.capacity
        case .stream(let stream): stream.capacity
        }
    }

    /// The archive's verdict, for a stream read to its end (nil otherwise).
    public var manifestStatus: String? {
        if case .stream(let stream) = reader { return stream.manifestStatus }
        return nil
    }

    /// Where a disk holds data, in offset order (empty for a stream: it finds out on the
    /// way). Read off the cooperative pool: it reads grain tables and descriptors, from a
    /// local disk or over the network.
    /// - Throws: what the reader throws for an unreadable or malformed table.
    func allocationMap() async throws -> [AllocationRun] {
        guard case .disk(let disk) = reader else { return [] }
        return try await OffPool.run { try disk.allocationMap() }
    }

    /// Opens `path` for import:
    /// - `-`: standard input, a streamOptimized VMDK or an OVA, read front to back;
    /// - an OVA whose disk (`member`, or the first) is streamOptimized and follows the
    ///   `.ovf`: read in one pass, its manifest digests computed on the way instead of in a
    ///   reading of their own first — unless `singlePass` is false;
    /// - anything else: the VMDK (every form, with its snapshot chain) or the OVA's disk in
    ///   place, read through ``VirtualDisk``.
    ///
    /// A stream's header is read here, so bad input fails before anything is created.
    /// - Parameter resume: the import is to continue an unfinished image; refused for
    ///   standard input before anything is read from it.
    /// - Throws: `VMDKError` for anything unreadable, malformed or unsafe.
    public static func open(
        _ path: String, member: String? = nil, options: OpenOptions = .init(), singlePass: Bool = true,
        resume: Bool = false
    ) throws -> ImportSource {
        let kind = try SourceKind.of(path)
        let name = member.map { "\(path):\($0)" } ?? path
        if kind == .standardInput {
            if resume { throw resumeRefusal }
            let stream = try SequentialSource(FileDescriptorSource.standardInput(), length: nil, member: member)
            // stdin has no path, size or mtime: it is recorded as "stdin" (and never resumed).
            return ImportSource(
                stream: stream, name: "stdin", identity: "stdin;capacity=\(stream.capacity)", isResumable: false)
        }
        let access = try SourceStorage.access(for: path, options: options)
        if kind == .ova, singlePass, try SequentialDisk.isSinglePassOVA(path, member: member, access: access) {
            let location = try access.locate(path)
            let probe = try access.open(location)
            let length = probe.length
            probe.close()
            let stream = try SequentialSource(try access.openSequential(location), length: length, member: member)
            return ImportSource(stream: stream, name: name, identity: identity(path, member, stream.capacity))
        }
        let disk = try SourceStorage.openDisk(path, member: member, kind: kind, access: access, options: options)
        if VSphereURL.names(path) {
            // A datastore file has no local mtime: the endpoint, datastore path, the head
            // file's size and the disk's capacity identify it (a new snapshot changes the head).
            let head = try access.open(access.locate(path))
            defer { head.close() }
            return ImportSource(disk: disk, name: name, identity: "\(path);capacity=\(disk.capacity);size=\(head.length)")
        }
        return ImportSource(disk: disk, name: name, identity: identity(path, member, disk.capacity))
    }

    /// Why `--resume` is refused for standard input.
    static var resumeRefusal: ImportError {
        ImportError(
            .notResumable,
            "--resume cannot continue an import from standard input (-): a pipe cannot be checked to be the same source; import from a file to be able to resume"
        )
    }

    /// Releases the files of a disk this source opened.
    public func close() { opened?.close() }

    private static func identity(_ path: String, _ member: String?, _ capacity: UInt64) -> String {
        SourceIdentity.of(path: path, capacity: capacity) + (member.map { ";member=\($0)" } ?? "")
    }
}
