import VMwareConfig

/// One object's properties as the property collector returned them, by property path.
public struct ObjectContent: Sendable {
    public var object: ManagedObject
    /// Property path → its `<val>` element.
    var properties: [String: XMLTree.Element]

    func value(_ path: String) -> XMLTree.Element? { properties[path] }
    func text(_ path: String) -> String? { properties[path]?.trimmedText }
}

extension VSphereSession {
    /// The properties `paths` of every object of `type` under `container` (recursively),
    /// through a container view: one round trip per 500 objects however large the inventory.
    /// - Throws: `VSphereError` for a fault.
    public func retrieve(_ type: String, paths: [String], under container: ManagedObject) async throws(VSphereError)
        -> [ObjectContent]
    {
        let content = try await serviceContent()
        let created = try await call(
            "CreateContainerView", this: content.viewManager,
            container.xml("container") + SOAP.element("type", type) + SOAP.element("recursive", "true"))
        guard let view = created.reference("returnval") else {
            throw VSphereError(.protocolError, "\(connection.endpoint.label): CreateContainerView answered no view")
        }
        let objectSet =
            "<objectSet>\(view.xml("obj"))<skip>true</skip>"
            + "<selectSet xsi:type=\"TraversalSpec\"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet>"
            + "</objectSet>"
        let result: Result<[ObjectContent], VSphereError>
        do {
            result = .success(try await retrieve(type: type, paths: paths, objectSet: objectSet))
        } catch {
            result = .failure(error)
        }
        // Views live as long as the session unless destroyed; a failed destroy costs nothing more.
        _ = try? await call("DestroyView", this: view)
        return try result.get()
    }

    /// The properties `paths` of the given objects, all of one `type`.
    public func retrieve(_ objects: [ManagedObject], paths: [String]) async throws(VSphereError) -> [ObjectContent] {
        guard let type = objects.first?.type else { return [] }
        let objectSet = objects.map { "<objectSet>\($0.xml("obj"))<skip>false</skip></objectSet>" }.joined()
        return try await retrieve(type: type, paths: paths, objectSet: objectSet)
    }

    private func retrieve(type: String, paths: [String], objectSet: String) async throws(VSphereError) -> [ObjectContent] {
        let content = try await serviceContent()
        let propSet = "<propSet>" + SOAP.element("type", type) + paths.map { SOAP.element("pathSet", $0) }.joined() + "</propSet>"
        var answer = try await call(
            "RetrievePropertiesEx", this: content.propertyCollector,
            "<specSet>\(propSet)\(objectSet)</specSet><options><maxObjects>500</maxObjects></options>")
        var objects: [ObjectContent] = []
        while let result = answer.child("returnval") {
            objects += result.all("objects").compactMap(Self.objectContent)
            guard let token = result.text("token") else { break }
            answer = try await call(
                "ContinueRetrievePropertiesEx", this: content.propertyCollector, SOAP.element("token", token))
        }
        return objects
    }

    private static func objectContent(_ element: XMLTree.Element) -> ObjectContent? {
        guard let object = element.reference("obj") else { return nil }
        var properties: [String: XMLTree.Element] = [:]
        for property in element.all("propSet") {
            if let name = property.text("name"), let value = property.child("val") { properties[name] = value }
        }
        return ObjectContent(object: object, properties: properties)
    }
}
