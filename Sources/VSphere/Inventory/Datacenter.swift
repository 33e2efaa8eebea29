/// A datacenter: what `dcPath` of a datastore URL names, and where its VMs are found.
public struct Datacenter: Sendable, Hashable {
    public var object: ManagedObject
    public var name: String
    public var vmFolder: ManagedObject
}

extension VSphereSession {
    /// Every datacenter, in name order.
    public func datacenters() async throws(VSphereError) -> [Datacenter] {
        let content = try await serviceContent()
        return try await retrieve("Datacenter", paths: ["name", "vmFolder"], under: content.rootFolder)
            .compactMap { object -> Datacenter? in
                guard let name = object.text("name"), let folder = object.value("vmFolder").flatMap(\.managedObject)
                else { return nil }
                return Datacenter(object: object.object, name: name, vmFolder: folder)
            }
            .sorted { $0.name < $1.name }
    }

    /// The datacenter called `name`.
    /// - Throws: `.notFound` listing the datacenters there are.
    public func datacenter(named name: String) async throws(VSphereError) -> Datacenter {
        let all = try await datacenters()
        guard let found = all.first(where: { $0.name == name }) else {
            throw VSphereError(
                .notFound,
                "\(connection.endpoint.label) has no datacenter \(name) (it has: \(all.map(\.name).joined(separator: ", ")))")
        }
        return found
    }
}
