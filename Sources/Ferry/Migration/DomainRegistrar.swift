import Libvirt

/// Puts a built domain on a node: refuses or replaces a domain of the same name, makes sure
/// the cephx secret is there, defines the domain persistently and starts it if asked.
public struct DomainRegistrar: Sendable {
    public let hypervisor: Hypervisor

    public init(hypervisor: Hypervisor) {
        self.hypervisor = hypervisor
    }

    public struct Options: Sendable, Hashable {
        /// Undefine a stopped domain of the same name first. A running one is never replaced.
        public var replace: Bool
        /// Boot the domain once defined.
        public var start: Bool

        public init(replace: Bool = false, start: Bool = false) {
            self.replace = replace
            self.start = start
        }
    }

    /// What ``register(_:secret:key:options:)`` did, in order.
    public struct Registration: Sendable {
        public var domainName: String
        /// The domain's UUID as libvirt stored it.
        public var uuid: String
        public var uri: String
        public var secret: SecretProvisioning
        /// A stopped domain of the same name was undefined first.
        public var replacedExisting: Bool
        public var started: Bool
        /// The domain object, for callers that go on (console, destroy in tests).
        public var domain: Domain
    }

    /// - Parameters:
    ///   - definition: from ``DomainBuilder``; its XML must name `secret.uuid`.
    ///   - key: the cephx key's raw bytes for the secret's value.
    /// - Throws: `MigrationError` `.domainRunning`, `.domainExists` (without `replace`),
    ///   `.invalidPlan` when the XML names another secret, `.secretConflict`, and `.libvirt`
    ///   for a refused definition or start. A failed start leaves the domain defined, as
    ///   the message says, so it can be inspected and started by hand.
    public func register(
        _ definition: DomainDefinition, secret: CephSecretIdentity, key: [UInt8], options: Options = Options()
    ) throws(MigrationError) -> Registration {
        guard definition.xml.contains("uuid='\(secret.uuid.lowercased())'") else {
            throw MigrationError(
                code: .invalidPlan,
                message: "domain \(definition.name) does not use ceph secret \(secret.uuid); build it with that UUID")
        }
        // Refusals come before any change on the node.
        let existing = try existingDomain(definition.name, replace: options.replace)
        let provisioning = try CephSecretProvisioner(hypervisor: hypervisor).ensure(secret, key: key)
        let previousXML = try existing.map { (old) throws(MigrationError) -> String in try replaceable(old) }
        let domain: Domain
        let uuid: String
        do {
            domain = try hypervisor.defineDomain(xml: definition.xml)
            uuid = try domain.uuid()
        } catch {
            // Put the replaced definition back rather than leave the name empty (its NVRAM
            // is gone; OVMF recreates one from the template).
            let restored = previousXML.map { (try? hypervisor.defineDomain(xml: $0)) != nil } ?? false
            throw MigrationError(
                code: .libvirt,
                message: "libvirt on \(hypervisor.uri) refused domain \(definition.name)"
                    + (restored ? " (the previous definition was restored)" : ""),
                cause: error)
        }
        if options.start {
            do {
                try domain.start()
            } catch {
                throw MigrationError(
                    code: .libvirt,
                    message: "domain \(definition.name) is defined on \(hypervisor.uri) but did not start", cause: error
                )
            }
        }
        return Registration(
            domainName: definition.name, uuid: uuid, uri: hypervisor.uri, secret: provisioning,
            replacedExisting: existing != nil, started: options.start, domain: domain)
    }

    /// The stopped domain `replace` may remove, nil when the name is free.
    private func existingDomain(_ name: String, replace: Bool) throws(MigrationError) -> Domain? {
        do {
            guard let existing = try hypervisor.domain(named: name) else { return nil }
            if try existing.isActive() {
                throw MigrationError(
                    code: .domainRunning,
                    message: "domain \(name) is running on \(hypervisor.uri); Ferry does not replace a running domain")
            }
            guard replace else {
                throw MigrationError(
                    code: .domainExists,
                    message: "domain \(name) already exists on \(hypervisor.uri) (replace it, or choose another name)")
            }
            return existing
        } catch let error as MigrationError {
            throw error
        } catch {
            throw MigrationError(
                code: .libvirt, message: "cannot check for domain \(name) on \(hypervisor.uri)", cause: error)
        }
    }

    /// Undefines `domain` (NVRAM, snapshots metadata and all) and returns its old XML. It is
    /// undefined rather than redefined in place because libvirt refuses a new UUID under an
    /// existing name, and a re-run migration may carry a different UUID.
    private func replaceable(_ domain: Domain) throws(MigrationError) -> String {
        do {
            let xml = try domain.xml(inactive: true)
            // Started in the meantime? Then it is no longer ours to remove.
            if try domain.isActive() {
                throw MigrationError(
                    code: .domainRunning,
                    message: "domain \(domain.name) was started on \(hypervisor.uri) while Ferry prepared to replace it"
                )
            }
            try domain.undefine()
            return xml
        } catch let error as MigrationError {
            throw error
        } catch {
            throw MigrationError(
                code: .libvirt, message: "cannot undefine domain \(domain.name) on \(hypervisor.uri)", cause: error)
        }
    }
}
