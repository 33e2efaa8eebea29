import Ceph
import Testing
import TestSupport

@Suite("RBD image I/O against the local cluster")
struct RBDImageIOTests {
    @Test("many concurrent asynchronous writes read back byte for byte")
    func concurrentWritesReadBack() async throws {
        let chunk = 256 * 1024
        let chunkCount = 48  // 12 MiB, written all at once
        let seed: UInt64 = 0xF3
        try await withScratchImage(size: 16 << 20) { pool, name in
            try await pool.withImage(name) { image in
                let chunks = (0..<chunkCount).map {
                    TestBuffer(TestPattern.bytes(at: UInt64($0 * chunk), count: chunk, seed: seed))
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Every write is in flight at the same time on the one image handle.
                    for (index, buffer) in chunks.enumerated() {
                        group.addTask {
                            try await image.write(UnsafeRawBufferPointer(buffer.bytes), at: UInt64(index * chunk))
                        }
                    }
                    try await group.waitForAll()
                }
                try await image.flush()

                let readBack = TestBuffer(count: chunk * chunkCount)
                let read = try await image.read(into: readBack.bytes, at: 0)
                #expect(read == readBack.bytes.count)
                #expect(readBack.array == chunks.flatMap(\.array))

                // Beyond what was written a fresh image reads as zeros.
                var tail = [UInt8](repeating: 0xAA, count: 4096)
                try tail.withUnsafeMutableBytes { _ = try image.readSynchronously(into: $0, at: 15 << 20) }
                #expect(tail.allSatisfy { $0 == 0 })
            }
        }
    }

    @Test("synchronous write and read at an unaligned offset")
    func synchronousUnaligned() async throws {
        try await withScratchImage(size: 4 << 20) { pool, name in
            try await pool.withImage(name) { image in
                let bytes = TestPattern.bytes(at: 12345, count: 70_001, seed: 7)
                try bytes.withUnsafeBytes { try image.writeSynchronously($0, at: 12345) }
                var back = [UInt8](repeating: 0, count: bytes.count)
                try back.withUnsafeMutableBytes { _ = try image.readSynchronously(into: $0, at: 12345) }
                #expect(back == bytes)
            }
        }
    }

    @Test("create options reach the image: object size and features")
    func createOptions() async throws {
        let options = ImageCreateOptions(order: 23, features: [.layering])
        try await withScratchImage(size: 64 << 20, options: options) { pool, name in
            try await pool.withImage(name) { image in
                let info = try image.stat()
                #expect(info.size == 64 << 20)
                #expect(info.objectSize == 8 << 20)
                #expect(info.features == [.layering])
                try image.resize(to: 128 << 20)
                #expect(try image.size() == 128 << 20)
            }
        }
    }

    @Test("an image of a taken name is refused with alreadyExists")
    func createTwice() async throws {
        try await withScratchImage(size: 1 << 20) { pool, name in
            let error = try #require(throws: CephError.self) { try pool.createImage(name, size: 1 << 20) }
            #expect(error.code == .alreadyExists)
            #expect(try pool.imageNames().contains(name))
        }
    }

    @Test("writing to a closed image fails instead of crashing")
    func closedImage() async throws {
        try await withScratchImage(size: 1 << 20) { pool, name in
            let image = try await pool.openImage(name)
            try await image.close()
            try await image.close()  // idempotent
            let buffer = TestBuffer(count: 512)
            let error = try await #require(throws: CephError.self) {
                try await image.write(UnsafeRawBufferPointer(buffer.bytes), at: 0)
            }
            #expect(error.description.contains("closed"))
        }
    }
}
