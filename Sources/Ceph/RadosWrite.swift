import CCeph

#if canImport(Glibc)
import Glibc
#endif

/// An atomic compound write to one RADOS object (`rados_write_op_t`): every step applies, or none.
///
/// Ferry's job records rely on this: a worker's update carries an "owner is still me"
/// guard, so a worker that lost its lease cannot overwrite the record of the one that took over.
public struct RadosWrite: Sendable {
    enum Step: Sendable {
        case createExclusive
        case assertExists
        case requireAttribute(name: String, equals: [UInt8])
        case writeFull([UInt8])
        case setAttribute(name: String, value: [UInt8])
        case setOmap([(key: String, value: [UInt8])])
        case removeOmapKeys([String])
        case remove
    }

    private(set) var steps: [Step] = []

    public init() {}

    /// Fails with `.alreadyExists` if the object is already there.
    public mutating func createExclusive() { steps.append(.createExclusive) }

    /// Fails with `.notFound` unless the object exists.
    public mutating func assertExists() { steps.append(.assertExists) }

    /// Fails with `.conditionFailed` unless the attribute holds exactly `value`.
    public mutating func requireAttribute(_ name: String, equals value: [UInt8]) {
        steps.append(.requireAttribute(name: name, equals: value))
    }

    /// Replaces the object's data.
    public mutating func writeFull(_ data: [UInt8]) { steps.append(.writeFull(data)) }

    public mutating func setAttribute(_ name: String, to value: [UInt8]) {
        steps.append(.setAttribute(name: name, value: value))
    }

    public mutating func setOmap(_ entries: [(key: String, value: [UInt8])]) {
        if !entries.isEmpty { steps.append(.setOmap(entries)) }
    }

    public mutating func removeOmapKeys(_ keys: [String]) {
        if !keys.isEmpty { steps.append(.removeOmapKeys(keys)) }
    }

    /// Deletes the object.
    public mutating func remove() { steps.append(.remove) }
}

extension IOContext {
    /// Applies `write` to `object` atomically (`rados_write_op_operate`).
    public func perform(_ write: RadosWrite, on object: String) throws(CephError) {
        let operation = "rados write \(object)"
        guard let op = rados_create_write_op() else {
            throw CephError(code: .unknown, errno: ENOMEM, operation: operation, pool: displayName)
        }
        defer { rados_release_write_op(op) }
        // librados copies every buffer into its own bufferlists while the step is added, so the
        // scoped pointers below need only live for the duration of each call.
        for step in write.steps {
            switch step {
            case .createExclusive:
                rados_write_op_create(op, Int32(LIBRADOS_CREATE_EXCLUSIVE), nil)
            case .assertExists:
                rados_write_op_assert_exists(op)
            case .requireAttribute(let name, let value):
                value.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) {
                        rados_write_op_cmpxattr(op, name, UInt8(LIBRADOS_CMPXATTR_OP_EQ), $0.baseAddress, value.count)
                    }
                }
            case .writeFull(let data):
                data.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) {
                        rados_write_op_write_full(op, $0.baseAddress, data.count)
                    }
                }
            case .setAttribute(let name, let value):
                value.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) {
                        rados_write_op_setxattr(op, name, $0.baseAddress, value.count)
                    }
                }
            case .setOmap(let entries):
                for entry in entries {
                    entry.value.withUnsafeBufferPointer { bytes in
                        bytes.withMemoryRebound(to: CChar.self) { value in
                            entry.key.withCString { key in
                                var keyPointer: UnsafePointer<CChar>? = key
                                var valuePointer: UnsafePointer<CChar>? = value.baseAddress
                                var length = entry.value.count
                                rados_write_op_omap_set(op, &keyPointer, &valuePointer, &length, 1)
                            }
                        }
                    }
                }
            case .removeOmapKeys(let keys):
                for key in keys {
                    key.withCString {
                        var keyPointer: UnsafePointer<CChar>? = $0
                        rados_write_op_omap_rm_keys(op, &keyPointer, 1)
                    }
                }
            case .remove:
                rados_write_op_remove(op)
            }
        }
        let result = try withHandle(operation) { context in
            rados_write_op_operate(op, context, object, nil, 0)
        }
        try check(result, operation, pool: displayName)
    }
}
