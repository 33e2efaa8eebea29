import Foundation
import Libvirt

/// Which libvirt secret holds a cephx user's key: the same UUID and usage name on every node.
public struct CephSecretIdentity: Sendable, Hashable {
    public var uuid: String
    /// The `<usage type='ceph'><name>` text; libvirt keeps it unique per node.
    public var usage: String

    public init(uuid: String, usage: String) {
        self.uuid = uuid
        self.usage = usage
    }

    /// The identity for `client.USER` of the cluster `fsid`. The UUID is a version-5
    /// name-based UUID of the pair, so every node and every Ferry run arrives at the same
    /// one without talking to each other, and domain XML can name it before it exists.
    public init(clusterFSID fsid: String, user: String) {
        let entity = user.hasPrefix("client.") ? user : "client.\(user)"
        let cluster = fsid.trimmingCharacters(in: .whitespaces).lowercased()
        self.uuid = NameBasedUUID.version5(
            namespace: NameBasedUUID.ferryNamespace, name: "ceph-secret:\(cluster)/\(entity)")
        self.usage = "ferry \(entity)@\(cluster)"
    }
}

/// What ``CephSecretProvisioner/ensure(_:key:)`` did.
public struct SecretProvisioning: Sendable, Hashable {
    public var identity: CephSecretIdentity
    /// False when the secret was already defined (its value is set again regardless).
    public var created: Bool
}

/// Makes sure a node's libvirtd holds the cephx key QEMU needs for RBD disks, as a
/// `private='yes'` (value never readable back through the API), `ephemeral='no'` secret.
public struct CephSecretProvisioner: Sendable {
    public let hypervisor: Hypervisor

    public init(hypervisor: Hypervisor) {
        self.hypervisor = hypervisor
    }

    /// Defines the secret unless it exists, then sets its value (`virSecretLookupByUsage`,
    /// `virSecretDefineXML`, `virSecretSetValue`). Idempotent: running it again rewrites the
    /// same value, which also repairs a secret whose key was rotated.
    ///
    /// - Parameter key: the key's raw bytes (`Keyring.keyBytes(for:)`), not its base64 text.
    /// - Throws: `MigrationError` `.secretConflict` when the usage is taken by a secret with
    ///   another UUID; `.invalidPlan` for an empty key or malformed UUID; `.libvirt` when
    ///   libvirt refuses (e.g. the UUID is already used for another usage).
    public func ensure(_ identity: CephSecretIdentity, key: [UInt8]) throws(MigrationError) -> SecretProvisioning {
        guard !key.isEmpty else {
            throw MigrationError(code: .invalidPlan, message: "empty cephx key for secret \(identity.usage)")
        }
        guard let uuid = UUID(uuidString: identity.uuid)?.uuidString.lowercased() else {
            throw MigrationError(code: .invalidPlan, message: "secret UUID \"\(identity.uuid)\" is not a UUID")
        }
        do {
            let existing = try hypervisor.secret(usage: .ceph(name: identity.usage))
            if let existing, existing.uuid.lowercased() != uuid {
                throw MigrationError(
                    code: .secretConflict,
                    message: "libvirt on \(hypervisor.uri) already has ceph secret \(existing.uuid) for usage "
                        + "\"\(identity.usage)\"; Ferry expects \(uuid) (remove the old one with virsh secret-undefine "
                        + "once no domain uses it)")
            }
            let secret = try existing ?? hypervisor.defineSecret(xml: Self.secretXML(uuid: uuid, usage: identity.usage))
            try secret.setValue(key)
            return SecretProvisioning(
                identity: CephSecretIdentity(uuid: uuid, usage: identity.usage),
                created: existing == nil)
        } catch let error as MigrationError {
            throw error
        } catch {
            throw MigrationError(
                code: .libvirt, message: "cannot provision ceph secret \(uuid) (\(identity.usage))", cause: error)
        }
    }

    /// The secret's definition: usage and UUID only, never the value.
    static func secretXML(uuid: String, usage: String) -> String {
        XMLTag("secret", [("ephemeral", "no"), ("private", "yes")]) {
            XMLTag("uuid", text: uuid)
            XMLTag("description", text: "cephx key for RBD disks of domains migrated by Ferry")
            XMLTag("usage", [("type", "ceph")]) {
                XMLTag("name", text: usage)
            }
        }.rendered()
    }
}
