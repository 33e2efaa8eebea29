/// One file a disk is made of, open for positional reads: a local file, a member of an
/// OVA, or — for a new kind of source — a file on a remote datastore.
///
/// The extent readers never see this type directly: they read through
/// ``RandomAccessFile``, which checks every range against `length` first, so an
/// implementation is only ever asked for bytes that exist.
///
/// Implementations must allow many threads to read at once (the import's reader threads
/// share one disk), with no shared file position.
public protocol ReadableFile: AnyObject, Sendable {
    /// How the file is named in errors: a path, or `archive.ova:member`.
    var displayPath: String { get }
    /// Bytes in the file, fixed when it was opened.
    var length: UInt64 { get }

    /// Fills the whole of `buffer` with the bytes at `offset`; the range lies inside
    /// `length`. Throws `.truncated` if the file turns out shorter than it was when opened
    /// (never hands back bytes it did not read), `.io` or `.closed` otherwise.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(VMDKError)

    /// The parts of `range` that hold data, when the storage can tell (a sparse local file
    /// answers `lseek(SEEK_DATA)`); nil when it cannot, and every byte counts as data.
    func dataRanges(in range: Range<UInt64>) -> [Range<UInt64>]?

    /// Releases what the file holds (a descriptor, a connection). Idempotent; reads after it
    /// throw `.closed`. Must not race reads still running.
    func close()
}

extension ReadableFile {
    public func dataRanges(in range: Range<UInt64>) -> [Range<UInt64>]? { nil }
}
