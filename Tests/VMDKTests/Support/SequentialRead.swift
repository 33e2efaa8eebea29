import Foundation
import Hashing

@testable import VMDK

/// Reads a stream front to back through ``SequentialDisk`` and hands each grain's bytes
/// (inside the disk) to `body` in stream order, as the importer does but on one thread.
func forEachGrainSequentially(
    _ source: any ByteSource, member: String? = nil, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void
) throws -> StreamOptimizedReader {
    let reader = try SequentialDisk.open(source, member: member)
    let staging = reader.makeStaging()
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(reader.grainSize), alignment: 16)
    defer { buffer.deallocate() }
    while let grain = try reader.nextGrain() {
        staging.reset()
        try reader.takeGrain(into: staging)
        let offset = UInt64(grain) * reader.grainSize
        let count = Int(min(reader.grainSize, reader.capacity - offset))
        let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
        try staging.inflate(into: slice, at: offset)
        try body(offset, UnsafeRawBufferPointer(slice))
    }
    return reader
}

/// The whole disk read front to back from the file at `path` (small disks only).
func sequentialRaw(_ path: String, member: String? = nil) throws -> [UInt8] {
    var raw: [UInt8] = []
    let reader = try forEachGrainSequentially(try FileDescriptorSource.open(path: path), member: member) {
        offset, bytes in
        if raw.count < Int(offset) { raw += [UInt8](repeating: 0, count: Int(offset) - raw.count) }
        raw += bytes
    }
    raw += [UInt8](repeating: 0, count: Int(reader.capacity) - raw.count)
    return raw
}

/// sha256 of the whole disk read front to back from `source`, zeros hashed for the gaps.
func sequentialSHA256(_ source: any ByteSource) throws -> String {
    let hash = StreamingHash(.sha256)
    let zeros = [UInt8](repeating: 0, count: 1 << 20)
    var position: UInt64 = 0
    func zeroFill(to end: UInt64) {
        zeros.withUnsafeBytes { raw in
            while position < end {
                let count = Int(min(UInt64(raw.count), end - position))
                hash.update(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
                position += UInt64(count)
            }
        }
    }
    let reader = try forEachGrainSequentially(source) { offset, bytes in
        zeroFill(to: offset)
        hash.update(bytes)
        position += UInt64(bytes.count)
    }
    zeroFill(to: reader.capacity)
    return hash.finish().hexString
}

/// `cat path |`: the file's bytes through a real pipe, so nothing can seek.
final class PipedFile {
    let source: FileDescriptorSource
    private let process = Process()
    private let pipe = Pipe()

    init(_ path: String) throws {
        process.executableURL = URL(fileURLWithPath: "/bin/cat")
        process.arguments = [path]
        process.standardOutput = pipe
        try process.run()
        source = FileDescriptorSource(
            descriptor: pipe.fileHandleForReading.fileDescriptor, displayPath: "stdin", owned: false)
    }

    deinit {
        try? pipe.fileHandleForReading.close()
        process.waitUntilExit()
    }
}
