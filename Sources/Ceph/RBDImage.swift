import CCeph
import Synchronization

/// An open RBD image (`rbd_image_t`).
///
/// One handle is meant to be shared by many concurrent writers: librbd serialises nothing
/// on the caller's side, and a second handle on the same image would make the exclusive
/// lock bounce between them. Close it only after every asynchronous operation completed.
public final class RBDImage: Sendable {
    public let context: IOContext
    public let name: String
    public let readOnly: Bool
    private let handle: Mutex<rbd_image_t?>

    init(context: IOContext, name: String, readOnly: Bool) throws(CephError) {
        self.context = context
        self.name = name
        self.readOnly = readOnly
        let image = try context.withHandle("rbd open") { (raw) throws(CephError) -> rbd_image_t in
            var image: rbd_image_t?
            let result = readOnly
                ? rbd_open_read_only(raw, name, &image, nil)
                : rbd_open(raw, name, &image, nil)
            try check(result, "rbd open", pool: context.displayName, image: name)
            guard let image else {
                throw CephError(code: .unknown, errno: 0, operation: "rbd open", pool: context.displayName, image: name)
            }
            return image
        }
        self.handle = Mutex(image)
    }

    deinit {
        handle.withLock { image in
            if let image {
                #if DEBUG
                print("ferry: RBDImage \(context.displayName)/\(name) was not closed before release")
                #endif
                context.cluster.whileOpen { _ = rbd_close(image) }
            }
        }
    }

    /// `pool/image` (or `pool/namespace/image`) as the rbd CLI names it.
    public var spec: String { "\(context.displayName)/\(name)" }

    /// Closes the image (`rbd_close`), which also flushes. Idempotent.
    public func close() throws(CephError) {
        let image: rbd_image_t? = handle.withLock { image in
            defer { image = nil }
            return image
        }
        guard let image else { return }
        try check(rbd_close(image), "rbd close", pool: context.displayName, image: name)
    }

    func withHandle<T>(
        _ operation: String, offset: UInt64? = nil, _ body: (rbd_image_t) throws(CephError) -> T
    ) throws(CephError) -> T {
        let image = handle.withLock { $0 }
        guard let image else {
            throw CephError(code: .invalidArgument, errno: 0, operation: operation, pool: context.displayName,
                            image: name, offset: offset, detail: "image already closed")
        }
        return try body(image)
    }

    /// Runs a librbd call that returns an int status and names this image in any error.
    @discardableResult
    func call(_ operation: String, offset: UInt64? = nil, _ body: (rbd_image_t) -> Int32) throws(CephError) -> Int32 {
        try withHandle(operation, offset: offset) { (image) throws(CephError) -> Int32 in
            try check(body(image), operation, pool: context.displayName, image: name, offset: offset)
        }
    }

    /// Size and layout (`rbd_stat`).
    public func stat() throws(CephError) -> ImageInfo {
        var info = rbd_image_info_t()
        try call("rbd stat") { rbd_stat($0, &info, MemoryLayout<rbd_image_info_t>.size) }
        var features: UInt64 = 0
        try call("rbd get features") { rbd_get_features($0, &features) }
        var stripeUnit: UInt64 = 0
        var stripeCount: UInt64 = 0
        try call("rbd get stripe unit") { rbd_get_stripe_unit($0, &stripeUnit) }
        try call("rbd get stripe count") { rbd_get_stripe_count($0, &stripeCount) }
        return ImageInfo(
            size: info.size, objectSize: info.obj_size, objectCount: info.num_objs, order: Int(info.order),
            features: ImageFeatures(rawValue: features), stripeUnit: stripeUnit, stripeCount: stripeCount)
    }

    /// The image size in bytes (`rbd_get_size`).
    public func size() throws(CephError) -> UInt64 {
        var size: UInt64 = 0
        try call("rbd get size") { rbd_get_size($0, &size) }
        return size
    }

    /// Grows or shrinks the image (`rbd_resize2`); shrinking must be allowed explicitly.
    public func resize(to size: UInt64, allowShrink: Bool = false) throws(CephError) {
        try call("rbd resize") { rbd_resize2($0, size, allowShrink, nil, nil) }
    }

    /// Waits until every write so far is persistent (`rbd_flush`).
    public func flush() throws(CephError) {
        try call("rbd flush") { rbd_flush($0) }
    }

    /// Writes `buffer` at `offset` and waits (`rbd_write2`). For bulk data use the asynchronous writes.
    public func writeSynchronously(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws(CephError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let written = try withHandle("rbd write", offset: offset) { (image) throws(CephError) -> Int in
            rbd_write2(image, offset, buffer.count, base.assumingMemoryBound(to: CChar.self), 0)
        }
        try checkTransfer(written, expected: buffer.count, "rbd write", offset: offset)
    }

    /// Reads into `buffer` from `offset` and waits (`rbd_read2`); returns the bytes read.
    @discardableResult
    public func readSynchronously(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(CephError)
        -> Int
    {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let read = try withHandle("rbd read", offset: offset) { (image) throws(CephError) -> Int in
            rbd_read2(image, offset, buffer.count, base.assumingMemoryBound(to: CChar.self), 0)
        }
        if read < 0 { throw CephError(returnValue: read, operation: "rbd read", pool: context.displayName, image: name, offset: offset) }
        return read
    }

    /// Turns a short or failed transfer into an error naming the image and offset.
    func checkTransfer(_ result: Int, expected: Int, _ operation: String, offset: UInt64) throws(CephError) {
        if result < 0 {
            throw CephError(returnValue: result, operation: operation, pool: context.displayName, image: name, offset: offset)
        }
        if result != expected {
            throw CephError(code: .io, errno: 0, operation: operation, pool: context.displayName, image: name,
                            offset: offset, detail: "transferred \(result) of \(expected) bytes")
        }
    }
}

/// What `rbd_stat` and friends report about an image.
public struct ImageInfo: Sendable, Hashable {
    public var size: UInt64
    public var objectSize: UInt64
    public var objectCount: UInt64
    public var order: Int
    public var features: ImageFeatures
    public var stripeUnit: UInt64
    public var stripeCount: UInt64
}
