import Ceph
@testable import Ferry
import Foundation
import Synchronization
import Testing
import TestSupport
import VMDK

@Suite("Importing VMDKs into RBD equals qemu-img's reading", .serialized)
struct DiskImporterTests {
    let cluster: RadosCluster
    let pool: IOContext

    init() throws {
        cluster = try RadosCluster(configuration: .fromEnvironment(configFile: try TestEnvironment.cephConfigFile()))
        pool = try cluster.ioContext(pool: TestEnvironment.pool)
    }

    @Test(
        "every qemu-img sparse and flat subformat imports byte-identical",
        arguments: ["monolithicSparse", "streamOptimized", "monolithicFlat", "twoGbMaxExtentSparse"])
    func importMatchesOracle(subformat: String) async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("disk.vmdk").path
        try ImportFixtures.makeDisk(path, subformat: subformat)
        let name = TestEnvironment.uniqueName("import-\(subformat.lowercased())")
        defer { ImportFixtures.removeImage(pool, name) }

        let disk = try VirtualDisk.open(path)
        let importer = DiskImporter(
            source: ImportSource(disk: disk, name: path, identity: SourceIdentity.of(path: path, capacity: disk.capacity)), pool: pool, imageName: name, options: ImportOptions(verify: true))
        let result = try await importer.run()
        #expect(result.verified)
        #expect(result.capacity == 96 << 20)
        // Zeros inside allocated grains (written by qemu-io -z into a sparse disk, or
        // everywhere in a flat one) are not written.
        if subformat != "streamOptimized" { #expect(result.writtenBytes < result.allocatedBytes) }
        #expect(try ImportFixtures.imageDigest("\(pool.pool)/\(name)", in: directory)
                == ImportFixtures.oracleDigest(path, in: directory))
        try await pool.withImage(name) { image async throws in
            #expect(try await image.metadata("ferry.state") == "complete")
            #expect(try await image.metadata("ferry.checkpoint") == nil)
            #expect(try await image.metadata("ferry.digest") == result.digest)
            #expect(try await image.snapshots().map(\.name) == ["ferry-imported"])
            // The digest really depends on the content: one flipped byte changes it.
            let verifier = ImageVerifier(image: image, capacity: disk.capacity, objectSize: 4 << 20, readers: 2)
            #expect(try await verifier.digest() == result.digest)
            // The verifier reads the objects that exist: the five the fixture's data touches.
            let extents = try await image.allocatedExtents(in: 0..<disk.capacity, wholeObject: true)
            let objects = Set(extents.flatMap { Array(($0.lowerBound >> 22)..<(($0.upperBound + (4 << 20) - 1) >> 22)) })
            #expect(objects == [0, 1, 5, 15, 23])
            let flipped = TestBuffer([0xFF])
            try image.writeSynchronously(UnsafeRawBufferPointer(flipped.bytes), at: 50 << 20)
            #expect(try await verifier.digest() != result.digest)
        }
    }

    @Test("an interrupted import stays marked unfinished and --resume completes it identically")
    func resumeAfterFailure() async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("disk.vmdk").path
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", path, "64M"])
        try Command.run(["qemu-io", "-f", "vmdk", "-c", "write -P 0x5A 0 60M", path])
        let name = TestEnvironment.uniqueName("import-resume")
        defer { ImportFixtures.removeImage(pool, name) }
        let disk = try VirtualDisk.open(path)
        let identity = SourceIdentity.of(path: path, capacity: disk.capacity)
        var options = ImportOptions(writeWindow: 2, readers: 1, checkpointInterval: .milliseconds(1))

        // The fifth read fails: four objects are written, the rest never are.
        let failing = FailingReader(inner: disk, failAfter: 4)
        let first = DiskImporter(
            source: ImportSource(disk: failing, name: path, identity: identity), pool: pool, imageName: name,
                                 options: options)
        await #expect(throws: VMDKError.self) { try await first.run() }
        try await pool.withImage(name) { image async throws in
            #expect(try await image.metadata("ferry.state") == "importing")
            let checkpoint = try #require(try await image.metadata("ferry.checkpoint").flatMap(UInt64.init))
            #expect(checkpoint == 16 << 20)
            #expect(try await image.snapshots().isEmpty)
        }

        // Without --resume the unfinished image is refused, not overwritten.
        let again = DiskImporter(
            source: ImportSource(disk: disk, name: path, identity: identity), pool: pool, imageName: name,
                                 options: options)
        let refusal = await #expect(throws: ImportError.self) { try await again.run() }
        #expect(refusal?.description.contains("--resume") == true)
        #expect(refusal?.code == .targetExists)

        // A different source may not be resumed onto it.
        options.resume = true
        let other = DiskImporter(
            source: ImportSource(disk: disk, name: path, identity: identity + "-changed"), pool: pool,
                                 imageName: name, options: options)
        let changed = await #expect(throws: ImportError.self) { try await other.run() }
        #expect(changed?.code == .sourceChanged)

        // Verify: the digest of a resumed import covers the chunks of the first run too.
        options.verify = true
        let resumed = DiskImporter(
            source: ImportSource(disk: disk, name: path, identity: identity), pool: pool, imageName: name,
                                   options: options)
        let reports = Mutex<[ImportProgress.Snapshot]>([])
        let result = try await resumed.run { snapshot in reports.withLock { $0.append(snapshot) } }
        #expect(result.resumedFromOffset == 16 << 20)
        // Chunks the first run wrote count once, as resumed bytes, not again as they are re-read.
        let last = try #require(reports.withLock { $0.last })
        #expect(last.doneBytes == last.totalBytes, "\(last.doneBytes) of \(last.totalBytes)")
        #expect(result.writtenBytes == 44 << 20)
        #expect(try ImportFixtures.imageDigest("\(pool.pool)/\(name)", in: directory)
                == ImportFixtures.oracleDigest(path, in: directory))
    }

    @Test("the disks of one VM import at once under one shared window")
    func sharedWindow() async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let window = ImportWindow.sized(serving: [4 << 20], buffers: 3)
        let formats = ["monolithicSparse", "streamOptimized", "monolithicFlat"]
        let names = formats.map { _ in TestEnvironment.uniqueName("import-shared") }
        defer { for name in names { ImportFixtures.removeImage(pool, name) } }
        let paths = try formats.map { format in
            let path = directory.appendingPathComponent("\(format).vmdk").path
            try ImportFixtures.makeDisk(path, subformat: format)
            return path
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (path, name) in zip(paths, names) {
                let disk = try VirtualDisk.open(path)
                let importer = DiskImporter(
            source: ImportSource(disk: disk, name: path, identity: path), pool: pool, imageName: name,
                    options: ImportOptions(readers: 2, verify: true))
                group.addTask { _ = try await importer.run(window: window) }
            }
            try await group.waitForAll()
        }
        for (path, name) in zip(paths, names) {
            #expect(try ImportFixtures.imageDigest("\(pool.pool)/\(name)", in: directory)
                    == ImportFixtures.oracleDigest(path, in: directory))
        }
    }

    @Test("--max-rate caps the bytes moved per second, and the rate reported stays under it")
    func rateCap() async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("disk.vmdk").path
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", path, "64M"])
        try Command.run(["qemu-io", "-f", "vmdk", "-c", "write -P 0x21 0 64M", path])
        let name = TestEnvironment.uniqueName("import-rate")
        defer { ImportFixtures.removeImage(pool, name) }
        let disk = try VirtualDisk.open(path)
        let started = ContinuousClock.now
        let rates = Mutex<[Double]>([])
        let result = try await DiskImporter(
            source: ImportSource(disk: disk, name: path, identity: path), pool: pool, imageName: name,
            options: ImportOptions(checkpointInterval: .milliseconds(100), maxBytesPerSecond: 16 << 20)
        ).run { snapshot in rates.withLock { $0.append(snapshot.bytesPerSecond) } }
        // 64 MiB at 16 MiB/s: sixteen 4 MiB chunks, granted every 0.25 s with no burst.
        #expect(ContinuousClock.now - started >= .milliseconds(3700))
        #expect(result.writtenBytes == 64 << 20)
        // What progress reports never reads above the cap (it once showed 2.6× early on).
        let highest = rates.withLock { $0.max() ?? 0 } / 1_048_576
        #expect(highest > 8 && highest <= 16 * 1.1, "highest reported rate \(highest) MiB/s at a 16 MiB/s cap")
    }

    @Test("a bad source fails before any image is created")
    func badSourceCreatesNothing() async throws {
        let directory = try TestEnvironment.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("disk.vmdk").path
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", path, "64M"])
        try Command.run(["qemu-io", "-f", "vmdk", "-c", "write -P 0x5A 0 1M", path])
        // Cut the file inside its first grain: qemu-img would read zeros there.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size - 300_000)
        try handle.close()
        let name = TestEnvironment.uniqueName("import-bad")
        defer { ImportFixtures.removeImage(pool, name) }
        await #expect(throws: VMDKError.self) {
            let disk = try VirtualDisk.open(path)
            try await DiskImporter(
            source: ImportSource(disk: disk, name: path, identity: "x"), pool: pool, imageName: name,
                                   options: ImportOptions()).run()
        }
        #expect(try await pool.imageExists(name) == false)
    }
}
