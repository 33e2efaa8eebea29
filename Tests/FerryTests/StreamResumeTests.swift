import Ceph
@testable import Ferry
import Foundation
import Testing
import TestSupport
import VMDK

/// A stream source that fails after a number of bytes, standing in for a dropped download.
final class FailingByteSource: ByteSource {
    private let inner: any ByteSource
    private var remaining: Int

    init(_ inner: any ByteSource, failAfter bytes: Int) {
        self.inner = inner
        remaining = bytes
    }

    var displayPath: String { inner.displayPath }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VMDKError) -> Int {
        guard remaining > 0 else { throw VMDKError(.io, file: displayPath, "injected read failure") }
        let count = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(remaining)))
        remaining -= count
        return count
    }
}

@Suite("--resume of an import read front to back", .serialized)
struct StreamResumeTests {
    @Test("an interrupted stream import resumes: chunks below the checkpoint are hashed, not written again")
    func resume() async throws {
        let pool = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
            .ioContext(pool: TestEnvironment.pool)
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Incompressible data, so the stream is as long as the disk and fails half-way through it.
        let raw = directory.appendingPathComponent("random.raw").path
        try Command.run(["dd", "if=/dev/urandom", "of=\(raw)", "bs=1M", "count=24", "status=none"])
        let path = directory.appendingPathComponent("disk.vmdk").path
        try Command.run(["qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", raw, path])
        let name = TestEnvironment.uniqueName("stream-resume")
        defer { ImportFixtures.removeImage(pool, name) }
        var options = ImportOptions(writeWindow: 2, readers: 2, checkpointInterval: .milliseconds(1))

        let failing = try SequentialSource(
            FailingByteSource(try FileDescriptorSource.open(path: path), failAfter: 14 << 20), length: nil)
        let identity = SourceIdentity.of(path: path, capacity: failing.capacity)
        let first = DiskImporter(
            source: ImportSource(stream: failing, name: path, identity: identity), pool: pool, imageName: name,
            options: options)
        await #expect(throws: VMDKError.self) { try await first.run() }
        let checkpoint = try await pool.withImage(name) { image async throws in
            #expect(try await image.metadata("ferry.state") == "importing")
            return try #require(try await image.metadata("ferry.checkpoint").flatMap(UInt64.init))
        }
        #expect(checkpoint >= 4 << 20 && checkpoint % (4 << 20) == 0, "checkpoint \(checkpoint)")
        #expect(checkpoint < 16 << 20)

        options.resume = true
        options.verify = true
        let again = try SequentialSource(try FileDescriptorSource.open(path: path), length: nil)
        let result = try await DiskImporter(
            source: ImportSource(stream: again, name: path, identity: identity), pool: pool, imageName: name,
            options: options
        ).run()
        #expect(result.resumedFromOffset == checkpoint)
        #expect(result.writtenBytes == (24 << 20) - checkpoint, "only the chunks above the checkpoint are written")
        #expect(result.allocatedBytes == 24 << 20, "the digest covers the whole disk")
        #expect(result.verified)
        #expect(
            try ImportFixtures.imageDigest("\(pool.pool)/\(name)", in: directory)
                == ImportFixtures.oracleDigest(path, in: directory))
    }
}
