import BlockingCalls

/// The domain's calls for async code, each off the cooperative pool (`OffPool`): libvirtd
/// answers over a socket, and a stalled daemon would otherwise hold a pool thread for as
/// long as it stalls. The libvirt error is still read on the thread that made the call.
extension Domain {
    public func uuid() async throws(LibvirtError) -> String {
        try await OffPool.run { () throws(LibvirtError) in try self.uuid() }
    }

    public func xml(inactive: Bool = false) async throws(LibvirtError) -> String {
        try await OffPool.run { () throws(LibvirtError) in try self.xml(inactive: inactive) }
    }

    public func isActive() async throws(LibvirtError) -> Bool {
        try await OffPool.run { () throws(LibvirtError) in try self.isActive() }
    }

    public func start() async throws(LibvirtError) {
        try await OffPool.run { () throws(LibvirtError) in try self.start() }
    }

    public func destroy() async throws(LibvirtError) {
        try await OffPool.run { () throws(LibvirtError) in try self.destroy() }
    }

    public func undefine() async throws(LibvirtError) {
        try await OffPool.run { () throws(LibvirtError) in try self.undefine() }
    }
}

extension Hypervisor {
    public func defineDomain(xml: String) async throws(LibvirtError) -> Domain {
        try await OffPool.run { () throws(LibvirtError) in try self.defineDomain(xml: xml) }
    }

    public func allDomains(_ filter: DomainListFilter = []) async throws(LibvirtError) -> [Domain] {
        try await OffPool.run { () throws(LibvirtError) in try self.allDomains(filter) }
    }

    public func domain(named name: String) async throws(LibvirtError) -> Domain? {
        try await OffPool.run { () throws(LibvirtError) in try self.domain(named: name) }
    }

    public func domain(uuid: String) async throws(LibvirtError) -> Domain? {
        try await OffPool.run { () throws(LibvirtError) in try self.domain(uuid: uuid) }
    }

    public func nodeInfo() async throws(LibvirtError) -> NodeInfo {
        try await OffPool.run { () throws(LibvirtError) in try self.nodeInfo() }
    }

    public func hostname() async throws(LibvirtError) -> String {
        try await OffPool.run { () throws(LibvirtError) in try self.hostname() }
    }
}
