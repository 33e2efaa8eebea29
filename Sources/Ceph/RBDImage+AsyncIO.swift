import CCeph

/// What a completion callback hands back: librbd's return value.
private final class CompletionHandler: Sendable {
    let body: @Sendable (Int) -> Void
    init(_ body: @escaping @Sendable (Int) -> Void) { self.body = body }
}

/// Runs on a librados callback thread. It only reads the result, frees the completion and
/// hands off: blocking here, or calling synchronous librbd, would stall every I/O of the image.
private let completionTrampoline: rbd_callback_t = { completion, argument in
    guard let argument else { return }
    let handler = Unmanaged<CompletionHandler>.fromOpaque(argument).takeRetainedValue()
    let result = rbd_aio_get_return_value(completion)
    rbd_aio_release(completion)
    handler.body(Int(result))
}

extension RBDImage {
    /// Starts one librbd asynchronous operation. The handler is retained exactly once and
    /// released by the callback, or here if the operation never starts.
    private func submit(
        _ operation: String, offset: UInt64?, onComplete: @escaping @Sendable (Int) -> Void,
        _ start: (rbd_image_t, rbd_completion_t) -> Int32
    ) throws(CephError) {
        let argument = Unmanaged.passRetained(CompletionHandler(onComplete)).toOpaque()
        var raw: rbd_completion_t?
        let created = rbd_aio_create_completion(argument, completionTrampoline, &raw)
        guard created >= 0, let completion = raw else {
            Unmanaged<CompletionHandler>.fromOpaque(argument).release()
            throw CephError(returnValue: Int(created), operation: "\(operation) (create completion)",
                            pool: context.displayName, image: name, offset: offset)
        }
        do {
            try call(operation, offset: offset) { start($0, completion) }
        } catch {
            rbd_aio_release(completion)
            Unmanaged<CompletionHandler>.fromOpaque(argument).release()
            throw error
        }
    }

    /// Starts an asynchronous write (`rbd_aio_write2`) and returns at once.
    ///
    /// `buffer` must stay valid and unchanged until `completion` runs. `completion` runs on a
    /// librados thread: it must only hand off (resume a continuation, signal, enqueue).
    public func submitWrite(
        _ buffer: UnsafeRawBufferPointer, at offset: UInt64,
        completion: @escaping @Sendable (Result<Void, CephError>) -> Void
    ) throws(CephError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            completion(.success(()))
            return
        }
        let length = buffer.count
        let pool = context.displayName
        let image = name
        try submit("rbd write", offset: offset, onComplete: { result in
            if result < 0 {
                completion(.failure(CephError(returnValue: result, operation: "rbd write", pool: pool, image: image,
                                              offset: offset)))
            } else {
                completion(.success(()))
            }
        }) { handle, aio in
            rbd_aio_write2(handle, offset, length, base.assumingMemoryBound(to: CChar.self), aio, 0)
        }
    }

    /// Starts an asynchronous read (`rbd_aio_read2`); `completion` gets the bytes read.
    /// `buffer` must stay valid until `completion` runs.
    public func submitRead(
        into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64,
        completion: @escaping @Sendable (Result<Int, CephError>) -> Void
    ) throws(CephError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            completion(.success(0))
            return
        }
        let length = buffer.count
        let pool = context.displayName
        let image = name
        try submit("rbd read", offset: offset, onComplete: { result in
            if result < 0 {
                completion(.failure(CephError(returnValue: result, operation: "rbd read", pool: pool, image: image,
                                              offset: offset)))
            } else {
                completion(.success(result))
            }
        }) { handle, aio in
            rbd_aio_read2(handle, offset, length, base.assumingMemoryBound(to: CChar.self), aio, 0)
        }
    }

    /// Writes `buffer` at `offset`, suspending until librbd completes the write.
    ///
    /// Cancellation does not abandon the write: librbd still holds the buffer, so this
    /// returns only when the operation has finished either way.
    public func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) async throws(CephError) {
        let result: Result<Void, CephError> = await withCheckedContinuation { continuation in
            do throws(CephError) {
                try submitWrite(buffer, at: offset) { continuation.resume(returning: $0) }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        try result.get()
    }

    /// Reads into `buffer` from `offset`, suspending until librbd completes; returns the bytes read.
    @discardableResult
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) async throws(CephError) -> Int {
        let result: Result<Int, CephError> = await withCheckedContinuation { continuation in
            do throws(CephError) {
                try submitRead(into: buffer, at: offset) { continuation.resume(returning: $0) }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }
}
