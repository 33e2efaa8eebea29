import Ceph
import Synchronization

/// Reads an image back, object by object on several threads, and computes its
/// `ContentDigest`: equal to the source's digest only if the image holds exactly the disk,
/// zeros included.
struct ImageVerifier: Sendable {
    let image: RBDImage
    let capacity: UInt64
    let objectSize: UInt64
    let readers: Int

    func digest() async throws -> String {
        let objects = (capacity + objectSize - 1) / objectSize
        let next = Atomic<UInt64>(0)
        let failure = Mutex<(any Error)?>(nil)
        let fold = ContentDigestFold(objectSize: objectSize)
        await WorkerThreads.run(count: max(1, readers), name: "ferry-verify") { _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(objectSize), alignment: 4096)
            defer { buffer.deallocate() }
            while failure.withLock({ $0 == nil }) {
                let object = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard object < objects else { return }
                let offset = object * objectSize
                let length = Int(min(objectSize, capacity - offset))
                let data = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
                do {
                    let read = try image.readSynchronously(into: data, at: offset)
                    guard read == length else {
                        throw FerryFailure("verify: \(image.spec) returned \(read) of \(length) bytes at 0x\(String(offset, radix: 16))")
                    }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
                let content = UnsafeRawBufferPointer(data)
                let digest = ContentDigest.object(content, at: offset, ranges: ZeroScan.nonZeroRanges(content))
                // Objects are taken in order, so the object number is the sequence number.
                fold.add(sequence: Int(object), objects: digest.map { [(object, $0)] } ?? [])
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return fold.finish(count: Int(objects))
    }
}
