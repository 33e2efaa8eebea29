/// Buffered front-to-back reading of a ``ByteSource``, keeping the offset of every byte so
/// errors can say where in the stream something is wrong.
///
/// Memory is one fixed buffer, whatever the size of the stream: structures larger than the
/// buffer (a grain table, a compressed grain) are copied through it into the caller's memory.
final class SequentialReader {
    let source: any ByteSource
    private let buffer: UnsafeMutableRawBufferPointer
    /// Unread bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    private var sawEnd = false
    /// Offset in the stream of the next byte `read` returns.
    private(set) var position: UInt64 = 0

    /// Large enough that a pipe's 64 KiB writes are gathered into few copies.
    static let bufferSize = 1 << 20

    init(_ source: any ByteSource) {
        self.source = source
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    var displayPath: String { source.displayPath }

    /// Makes at least `count` bytes (at most the buffer size) available unless the source
    /// ends first; returns how many are available.
    @discardableResult
    private func fill(_ count: Int) throws(VMDKError) -> Int {
        precondition(count <= buffer.count)
        if end - start >= count || sawEnd { return end - start }
        if start > 0 {
            let pending = end - start
            if pending > 0 {
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<pending]).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
            }
            start = 0
            end = pending
        }
        while end < count {
            let got = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if got == 0 {
                sawEnd = true
                break
            }
            end += got
        }
        return end - start
    }

    /// The next `count` bytes without consuming them, or nil if the stream ends first.
    /// Valid until the next call on this reader.
    func peek(_ count: Int) throws(VMDKError) -> UnsafeRawBufferPointer? {
        guard try fill(count) >= count else { return nil }
        return UnsafeRawBufferPointer(rebasing: buffer[start..<(start + count)])
    }

    /// True when every byte has been read.
    func atEnd() throws(VMDKError) -> Bool { try fill(1) == 0 }

    /// Fills `target` with the next bytes; `.truncated` naming `field` if the stream ends first.
    func read(into target: UnsafeMutableRawBufferPointer, field: String) throws(VMDKError) {
        var done = 0
        while done < target.count {
            let available = try fill(min(buffer.count, target.count - done))
            guard available > 0 else { throw truncated(field, needed: UInt64(target.count - done)) }
            let count = min(available, target.count - done)
            UnsafeMutableRawBufferPointer(rebasing: target[done..<(done + count)]).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: buffer[start..<(start + count)]))
            consume(count)
            done += count
        }
    }

    /// The next `count` bytes as an array.
    func bytes(_ count: Int, field: String) throws(VMDKError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var failure: VMDKError?
        result.withUnsafeMutableBytes { raw in
            do throws(VMDKError) { try read(into: raw, field: field) } catch { failure = error }
        }
        if let failure { throw failure }
        return result
    }

    /// Passes over `count` bytes; `.truncated` if the stream ends first.
    func skip(_ count: UInt64, field: String) throws(VMDKError) {
        var remaining = count
        while remaining > 0 {
            let available = try fill(Int(min(UInt64(buffer.count), remaining)))
            guard available > 0 else { throw truncated(field, needed: remaining) }
            let step = min(available, Int(min(UInt64(Int.max), remaining)))
            consume(step)
            remaining -= UInt64(step)
        }
    }

    /// Hands the next buffered bytes (up to `limit`, at least one unless at the end) to
    /// `body` and consumes them: for callers that pass bytes through rather than decode them.
    func readAvailable<R>(upTo limit: Int, _ body: (UnsafeRawBufferPointer) throws(VMDKError) -> R)
        throws(VMDKError) -> R
    {
        let available = try fill(1)
        let count = min(available, limit)
        let result = try body(UnsafeRawBufferPointer(rebasing: buffer[start..<(start + count)]))
        consume(count)
        return result
    }

    private func consume(_ count: Int) {
        start += count
        position += UInt64(count)
    }

    private func truncated(_ field: String, needed: UInt64) -> VMDKError {
        VMDKError(
            .truncated, file: displayPath, field: field, offset: position,
            "the stream ends at \(position) bytes, \(needed) bytes short of the end of the \(field)")
    }
}
