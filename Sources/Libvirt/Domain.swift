import CLibvirt

#if canImport(Glibc)
import Glibc
#endif

/// A domain (virtual machine) known to one hypervisor (`virDomainPtr`). Holds its
/// hypervisor so the connection stays open while the domain is in use.
///
/// `@unchecked Sendable`: libvirt objects are thread-safe, the pointer never changes, and it
/// is freed only in `deinit`, when nobody else can hold it.
public final class Domain: @unchecked Sendable {
    public let hypervisor: Hypervisor
    public let name: String
    private let pointer: virDomainPtr

    init(hypervisor: Hypervisor, pointer: virDomainPtr) {
        self.hypervisor = hypervisor
        self.name = virDomainGetName(pointer).map { String(cString: $0) } ?? "?"
        self.pointer = pointer
    }

    deinit {
        virDomainFree(pointer)
    }

    private func withDomain<T>(_ operation: String, _ body: (virDomainPtr) -> T?) throws(LibvirtError) -> T {
        let label = "\(operation) \(name)"
        guard let result = body(pointer) else { throw LibvirtError.last(operation: label, uri: hypervisor.uri) }
        return result
    }

    private func perform(_ operation: String, _ body: (virDomainPtr) -> Int32) throws(LibvirtError) {
        let _: Int32 = try withDomain(operation) { domain in
            let result = body(domain)
            return result < 0 ? nil : result
        }
    }

    /// The domain's UUID (`virDomainGetUUIDString`).
    public func uuid() throws(LibvirtError) -> String {
        try withDomain("get UUID of domain") { domain in
            var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
            guard virDomainGetUUIDString(domain, &buffer) == 0 else { return nil }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The domain's XML as libvirt stores it (`virDomainGetXMLDesc`); `inactive` gives the persistent definition.
    public func xml(inactive: Bool = false) throws(LibvirtError) -> String {
        let flags = inactive ? UInt32(VIR_DOMAIN_XML_INACTIVE.rawValue) : 0
        return try withDomain("get XML of domain") { domain in
            guard let text = virDomainGetXMLDesc(domain, flags) else { return nil }
            defer { free(text) }
            return String(cString: text)
        }
    }

    /// Whether it is running (`virDomainIsActive`).
    public func isActive() throws(LibvirtError) -> Bool {
        try withDomain("check state of domain") { domain in
            let result = virDomainIsActive(domain)
            return result < 0 ? nil : result == 1
        }
    }

    /// The most memory the domain may use, in bytes (`virDomainGetMaxMemory`): its `<memory>`.
    /// For a domain that is not running, what starting it will claim.
    public func maxMemoryBytes() throws(LibvirtError) -> UInt64 {
        try withDomain("get maximum memory of domain") { domain in
            // 0 is libvirt's failure value; a defined domain always has memory.
            let kibibytes = virDomainGetMaxMemory(domain)
            return kibibytes == 0 ? nil : UInt64(kibibytes) * 1024
        }
    }

    /// Boots a defined domain (`virDomainCreate`).
    public func start() throws(LibvirtError) {
        try perform("start domain") { virDomainCreate($0) }
    }

    /// Powers the domain off at once (`virDomainDestroy`); the definition stays.
    public func destroy() throws(LibvirtError) {
        try perform("destroy domain") { virDomainDestroy($0) }
    }

    /// Removes the persistent definition (`virDomainUndefineFlags`), including NVRAM, managed
    /// save and snapshot metadata, so no half-removed domain stays behind.
    public func undefine() throws(LibvirtError) {
        let flags = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE.rawValue | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA.rawValue
            | VIR_DOMAIN_UNDEFINE_NVRAM.rawValue | VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA.rawValue
        try perform("undefine domain") { virDomainUndefineFlags($0, UInt32(flags)) }
    }
}

extension Hypervisor {
    /// Defines (or redefines) a persistent domain from XML (`virDomainDefineXML`). The domain is not started.
    /// - Throws: `LibvirtError` `.invalidXML` for XML libvirt rejects.
    public func defineDomain(xml: String) throws(LibvirtError) -> Domain {
        try withConnection("define domain") { (connection) throws(LibvirtError) -> Domain in
            guard let pointer = virDomainDefineXML(connection, xml) else {
                throw LibvirtError.last(operation: "define domain", uri: uri)
            }
            return Domain(hypervisor: self, pointer: pointer)
        }
    }

    /// The node's domains that match `filter`, all of them when it is empty
    /// (`virConnectListAllDomains`).
    public func allDomains(_ filter: DomainListFilter = []) throws(LibvirtError) -> [Domain] {
        try withConnection("list domains") { (connection) throws(LibvirtError) -> [Domain] in
            var list: UnsafeMutablePointer<virDomainPtr?>?
            let count = virConnectListAllDomains(connection, &list, filter.rawValue)
            guard count >= 0 else { throw LibvirtError.last(operation: "list domains", uri: uri) }
            // Each domain pointer is now owned by its Domain; only the array is freed here.
            defer { free(list) }
            return (0..<Int(count)).compactMap { index in
                list?[index].map { Domain(hypervisor: self, pointer: $0) }
            }
        }
    }

    /// Looks a domain up by name (`virDomainLookupByName`); `nil` when there is none.
    public func domain(named name: String) throws(LibvirtError) -> Domain? {
        try withConnection("look up domain \(name)") { (connection) throws(LibvirtError) -> Domain? in
            if let pointer = virDomainLookupByName(connection, name) {
                return Domain(hypervisor: self, pointer: pointer)
            }
            let error = LibvirtError.last(operation: "look up domain \(name)", uri: uri)
            if error.code == .notFound { return nil }
            throw error
        }
    }

    /// Looks a domain up by UUID (`virDomainLookupByUUIDString`); `nil` when there is none.
    public func domain(uuid: String) throws(LibvirtError) -> Domain? {
        try withConnection("look up domain \(uuid)") { (connection) throws(LibvirtError) -> Domain? in
            if let pointer = virDomainLookupByUUIDString(connection, uuid) {
                return Domain(hypervisor: self, pointer: pointer)
            }
            let error = LibvirtError.last(operation: "look up domain \(uuid)", uri: uri)
            if error.code == .notFound { return nil }
            throw error
        }
    }
}

/// Which domains ``Hypervisor/allDomains(_:)`` lists (`virConnectListAllDomainsFlags`).
/// Options of one group (active/inactive, persistent/transient) are alternatives; the
/// groups combine as "and".
public struct DomainListFilter: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Running or paused.
    public static let active = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_ACTIVE.rawValue)
    /// Defined but shut off.
    public static let inactive = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_INACTIVE.rawValue)
    /// Has a persistent definition.
    public static let persistent = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_PERSISTENT.rawValue)
    /// Exists only while running.
    public static let transient = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_TRANSIENT.rawValue)
}
