import Hashing
import Synchronization

/// Combines object digests into the disk's digest (``ContentDigest``'s definition: XXH3-128
/// over object index and digest, in index order) while they arrive, instead of keeping one
/// per object until the end: a fully allocated 2 TiB disk has half a million objects, and
/// their digests alone grew the importer by ~50 MiB.
///
/// Readers take chunks in disk order and report each one's object digests under the
/// sequence number it was handed out with, possibly out of order (threads race). Reports
/// are folded into the hash in sequence order; only those that arrive ahead of an earlier
/// one wait, so memory follows the number of readers, not the disk.
final class ContentDigestFold: Sendable {
    private struct State {
        let hash = ContentHash()
        var nextSequence = 0
        /// Object index of the last digest folded; each must exceed the one before.
        var lastObject: UInt64?
        var waiting: [Int: [(object: UInt64, digest: [UInt8])]] = [:]
    }

    private let objectSize: UInt64
    private let state = Mutex(State())

    init(objectSize: UInt64) { self.objectSize = objectSize }

    /// Reports the digests of the objects a chunk covered (none if it was all zeros), in
    /// object order. Every sequence number handed out must be reported exactly once.
    func add(sequence: Int, objects: [(object: UInt64, digest: [UInt8])]) {
        state.withLock { state in
            state.waiting[sequence] = objects
            while let ready = state.waiting.removeValue(forKey: state.nextSequence) {
                for (object, digest) in ready {
                    precondition(state.lastObject.map { $0 < object } ?? true, "chunks handed out out of disk order")
                    state.lastObject = object
                    state.hash.update(ContentDigest.littleEndian(object) + digest)
                }
                state.nextSequence += 1
            }
        }
    }

    /// The disk's digest; every sequence number below `count` must have been reported.
    func finish(count: Int) -> String {
        state.withLock { state in
            precondition(state.nextSequence == count && state.waiting.isEmpty, "digest finished with chunks missing")
            return ContentDigest.format(state.hash.finish(), objectSize: objectSize)
        }
    }
}
