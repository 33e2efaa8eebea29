import Ceph
import Synchronization

/// Reads an image back, object by object on several threads, and computes its
/// `ContentDigest`: equal to the source's digest only if the image holds exactly the disk,
/// zeros included.
///
/// Only objects that exist are read (the object map lists them, a window at a time): a
/// missing object reads as zeros and adds nothing to the digest, and reading 2 TiB of them
/// took 100 s to verify a 2 TiB disk holding 256 MiB.
struct ImageVerifier: Sendable {
    let image: RBDImage
    let capacity: UInt64
    let objectSize: UInt64
    let readers: Int

    func digest() async throws -> String {
        let objects = ExistingObjects(image: image, capacity: capacity, objectSize: objectSize)
        let failure = Mutex<(any Error)?>(nil)
        let fold = ContentDigestFold(objectSize: objectSize)
        await WorkerThreads.run(count: max(1, readers), name: "ferry-verify") { _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(objectSize), alignment: 4096)
            defer { buffer.deallocate() }
            while failure.withLock({ $0 == nil }) {
                let offset: UInt64
                let sequence: Int
                do {
                    guard let next = try objects.next() else { return }
                    (offset, sequence) = (next.object * objectSize, next.sequence)
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
                let length = Int(min(objectSize, capacity - offset))
                let data = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
                do {
                    let read = try image.readSynchronously(into: data, at: offset)
                    guard read == length else {
                        throw ImportError(.shortRead, "verify: \(image.spec) returned \(read) of \(length) bytes at 0x\(String(offset, radix: 16))")
                    }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
                let content = UnsafeRawBufferPointer(data)
                let digest = ContentDigest.object(content, at: offset, ranges: ZeroScan.nonZeroRanges(content))
                fold.add(sequence: sequence, objects: digest.map { [(offset / objectSize, $0)] } ?? [])
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return fold.finish(count: objects.handedOut)
    }
}

/// The image's existing objects in order, listed a window at a time so that neither a
/// list of them all nor a read of every missing one is needed.
private final class ExistingObjects: Sendable {
    private struct State {
        var pending: [UInt64] = []
        var pendingIndex = 0
        /// Offset up to which the image has been listed.
        var listedTo: UInt64 = 0
        var handedOut = 0
    }

    /// 1024 objects (4 GiB with default objects) per `rbd_diff_iterate2` call.
    private static let windowObjects: UInt64 = 1024

    private let image: RBDImage
    private let capacity: UInt64
    private let objectSize: UInt64
    private let state = Mutex(State())

    init(image: RBDImage, capacity: UInt64, objectSize: UInt64) {
        self.image = image
        self.capacity = capacity
        self.objectSize = objectSize
    }

    /// The next existing object and its place in the order handed out; nil after the last.
    func next() throws -> (object: UInt64, sequence: Int)? {
        try state.withLock { state in
            while state.pendingIndex == state.pending.count {
                guard state.listedTo < capacity else { return nil }
                let end = min(capacity, state.listedTo + Self.windowObjects * objectSize)
                var objects: [UInt64] = []
                let window = (state.listedTo / objectSize)..<((end + objectSize - 1) / objectSize)
                for extent in try image.allocatedExtents(in: state.listedTo..<end, wholeObject: true) {
                    var object = max(extent.lowerBound / objectSize, window.lowerBound)
                    while object < window.upperBound, object * objectSize < extent.upperBound {
                        if objects.last.map({ $0 < object }) ?? true { objects.append(object) }
                        object += 1
                    }
                }
                state.pending = objects
                state.pendingIndex = 0
                state.listedTo = end
            }
            defer {
                state.pendingIndex += 1
                state.handedOut += 1
            }
            return (state.pending[state.pendingIndex], state.handedOut)
        }
    }

    var handedOut: Int { state.withLock { $0.handedOut } }
}
