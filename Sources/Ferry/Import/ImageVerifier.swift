import Ceph
import Synchronization
import VMDK

#if canImport(Glibc)
import Glibc
#endif

/// Reads an image back and compares it with its source over the whole logical disk,
/// zeros included: the check that the import produced exactly the disk.
struct ImageVerifier: Sendable {
    let disk: any DiskReader
    let image: RBDImage
    let sourceName: String
    let readers: Int

    func compare(objectSize: UInt64) async throws {
        let objects = Int((disk.capacity + objectSize - 1) / objectSize)
        let next = Atomic<Int>(0)
        let mismatch = Mutex<(any Error)?>(nil)
        await WorkerThreads.run(count: max(1, readers), name: "ferry-verify") { _ in
            let expected = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(objectSize), alignment: 4096)
            let actual = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(objectSize), alignment: 4096)
            defer {
                expected.deallocate()
                actual.deallocate()
            }
            while mismatch.withLock({ $0 == nil }) {
                let object = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard object < objects else { return }
                let offset = UInt64(object) * objectSize
                let length = Int(min(objectSize, disk.capacity - offset))
                let want = UnsafeMutableRawBufferPointer(rebasing: expected[0..<length])
                let have = UnsafeMutableRawBufferPointer(rebasing: actual[0..<length])
                do {
                    try disk.read(into: want, at: offset)
                    let read = try image.readSynchronously(into: have, at: offset)
                    if read != length || memcmp(expected.baseAddress!, actual.baseAddress!, length) != 0 {
                        let first = (0..<min(read, length)).first { want[$0] != have[$0] } ?? min(read, length)
                        throw FerryFailure(
                            "verify: \(image.spec) differs from \(sourceName) at offset 0x\(String(offset + UInt64(first), radix: 16))")
                    }
                } catch {
                    mismatch.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
        }
        if let error = mismatch.withLock({ $0 }) { throw error }
    }
}
