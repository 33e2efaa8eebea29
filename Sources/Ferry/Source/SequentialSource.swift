import Foundation
import VMDK

/// A disk that can only be read front to back, for ``DiskImporter``: a streamOptimized VMDK
/// or an OVA holding one, from standard input, a pipe, or a file read in one pass.
///
/// The reader is used by one import only, always under ``lock`` (the reader threads take
/// their chunks from it in turn), which is what makes sharing it between threads sound.
public final class SequentialSource: @unchecked Sendable {
    public let capacity: UInt64
    public let grainSize: UInt64
    /// How the disk is named in errors: `stdin`, a path, or `archive.ova:member`.
    public let displayPath: String
    /// Bytes the source holds when known (a file): the progress total. Nil for a pipe.
    public let length: UInt64?
    let lock = NSLock()
    /// Guarded by `lock`.
    let reader: StreamOptimizedReader
    /// Guarded by `lock`: the raw bytes pulled from the file or pipe, for progress.
    let raw: CountingSource

    /// Opens what `raw` holds (see ``SequentialDisk/open(_:member:)``); reads its header
    /// and everything up to the first grain.
    public init(_ raw: any ByteSource, length: UInt64?, member: String? = nil) throws(VMDKError) {
        let counted = CountingSource(raw)
        let reader = try SequentialDisk.open(counted, member: member)
        self.reader = reader
        self.raw = counted
        self.capacity = reader.capacity
        self.grainSize = reader.grainSize
        self.displayPath = reader.displayPath
        self.length = length
    }

    /// What the archive's manifest said, once the import read the source to its end.
    public var manifestStatus: String? { lock.withLock { reader.manifestStatus } }

    /// Warnings about the disk and its archive (header version 3, no manifest, …).
    public var warnings: [String] { lock.withLock { reader.allWarnings } }

    /// Bytes read from the file or pipe so far.
    public var bytesRead: UInt64 { lock.withLock { raw.bytesRead } }
}

/// Counts the bytes pulled from the file or pipe, whatever reads them (the VMDK reader, or
/// the tar walk of an OVA around it).
final class CountingSource: ByteSource {
    private let inner: any ByteSource
    private(set) var bytesRead: UInt64 = 0

    init(_ inner: any ByteSource) { self.inner = inner }

    var displayPath: String { inner.displayPath }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VMDKError) -> Int {
        let count = try inner.read(into: buffer)
        bytesRead += UInt64(count)
        return count
    }

    func finish() throws(VMDKError) { try inner.finish() }
}
