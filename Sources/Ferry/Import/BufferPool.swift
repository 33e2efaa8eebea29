import Dispatch
import Synchronization

/// A fixed set of page-aligned buffers shared by reader threads and librbd completions.
///
/// The pool is the import's memory bound and its write window at once: a buffer is taken
/// before a chunk is read and given back only when every RBD write from it completed.
/// `give` never blocks, so librbd completion callbacks may call it.
final class BufferPool: Sendable {
    let bufferSize: Int
    let count: Int
    private let free: Mutex<[UnsafeMutableRawBufferPointerBox]>
    private let available: DispatchSemaphore

    init(count: Int, bufferSize: Int) {
        precondition(count > 0 && bufferSize > 0)
        self.count = count
        self.bufferSize = bufferSize
        let buffers = (0..<count).map { _ in
            UnsafeMutableRawBufferPointerBox(.allocate(byteCount: bufferSize, alignment: 4096))
        }
        self.free = Mutex(buffers)
        self.available = DispatchSemaphore(value: count)
    }

    deinit {
        free.withLock { buffers in
            precondition(buffers.count == count, "BufferPool released while buffers are still in use")
            for box in buffers { box.pointer.deallocate() }
        }
    }

    /// Waits for a free buffer.
    func take() -> UnsafeMutableRawBufferPointer {
        available.wait()
        return free.withLock { $0.removeLast().pointer }
    }

    /// Returns a buffer; safe on any thread, never blocks.
    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        free.withLock { $0.append(UnsafeMutableRawBufferPointerBox(buffer)) }
        available.signal()
    }

    /// Waits until every buffer is back, i.e. no read or write is using one.
    func drain() {
        for _ in 0..<count { available.wait() }
        for _ in 0..<count { available.signal() }
    }
}

/// Raw buffers are plain memory handed between threads under the pool's lock.
struct UnsafeMutableRawBufferPointerBox: @unchecked Sendable {
    let pointer: UnsafeMutableRawBufferPointer
    init(_ pointer: UnsafeMutableRawBufferPointer) { self.pointer = pointer }
}
