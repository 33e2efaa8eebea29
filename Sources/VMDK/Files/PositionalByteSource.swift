/// A ``ReadableFile`` read front to back, for storage that has no streaming read of its own.
final class PositionalByteSource: ByteSource {
    private let file: any ReadableFile
    private var position: UInt64 = 0

    init(_ file: any ReadableFile) { self.file = file }

    var displayPath: String { file.displayPath }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VMDKError) -> Int {
        let count = Int(min(UInt64(buffer.count), file.length - position))
        guard count > 0 else { return 0 }
        try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: position)
        position += UInt64(count)
        return count
    }

    deinit { file.close() }
}
