import CLibvirt

#if canImport(Glibc)
import Glibc
#endif

/// What a libvirt secret is for (`virSecretUsageType`).
public enum SecretUsage: Sendable, Hashable {
    /// A cephx key; the usage name is free text such as `client.ferry secret`.
    case ceph(name: String)

    var type: Int32 {
        switch self {
        case .ceph: Int32(VIR_SECRET_USAGE_TYPE_CEPH.rawValue)
        }
    }

    var name: String {
        switch self {
        case .ceph(let name): name
        }
    }
}

/// A secret stored by libvirtd (`virSecretPtr`). Its value is set through the API only,
/// never through XML or a command line.
///
/// `@unchecked Sendable`: libvirt objects are thread-safe, the pointer never changes, and it
/// is freed only in `deinit`, when nobody else can hold it.
public final class Secret: @unchecked Sendable {
    public let hypervisor: Hypervisor
    public let uuid: String
    private let pointer: virSecretPtr

    init(hypervisor: Hypervisor, pointer: virSecretPtr) {
        self.hypervisor = hypervisor
        var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
        _ = virSecretGetUUIDString(pointer, &buffer)
        self.uuid = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.pointer = pointer
    }

    deinit {
        virSecretFree(pointer)
    }

    private func withSecret(_ operation: String, _ body: (virSecretPtr) -> Int32) throws(LibvirtError) {
        let label = "\(operation) \(uuid)"
        if body(pointer) < 0 { throw LibvirtError.last(operation: label, uri: hypervisor.uri) }
    }

    /// Sets the secret's value (`virSecretSetValue`). For cephx, the key's raw bytes — the
    /// base64 text of a keyring decoded — since libvirt encodes it again for QEMU.
    public func setValue(_ value: [UInt8]) throws(LibvirtError) {
        try withSecret("set value of secret") { secret in
            value.withUnsafeBufferPointer { virSecretSetValue(secret, $0.baseAddress, $0.count, 0) }
        }
    }

    /// Removes the secret (`virSecretUndefine`).
    public func undefine() throws(LibvirtError) {
        try withSecret("undefine secret") { virSecretUndefine($0) }
    }
}

extension Hypervisor {
    /// Defines a secret from XML (`virSecretDefineXML`) — usage and UUID only, never the value.
    public func defineSecret(xml: String) throws(LibvirtError) -> Secret {
        try withConnection("define secret") { (connection) throws(LibvirtError) -> Secret in
            guard let pointer = virSecretDefineXML(connection, xml, 0) else {
                throw LibvirtError.last(operation: "define secret", uri: uri)
            }
            return Secret(hypervisor: self, pointer: pointer)
        }
    }

    /// Looks a secret up by usage (`virSecretLookupByUsage`); `nil` when there is none.
    public func secret(usage: SecretUsage) throws(LibvirtError) -> Secret? {
        try withConnection("look up secret \(usage.name)") { (connection) throws(LibvirtError) -> Secret? in
            if let pointer = virSecretLookupByUsage(connection, usage.type, usage.name) {
                return Secret(hypervisor: self, pointer: pointer)
            }
            let error = LibvirtError.last(operation: "look up secret \(usage.name)", uri: uri)
            if error.code == .notFound { return nil }
            throw error
        }
    }
}
