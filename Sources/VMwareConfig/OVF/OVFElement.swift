/// How OVF dialects name things, on top of the generic XML tree.
///
/// VMware's pre-standard OVF 0.9 wrote every section as `<Section xsi:type="ovf:DiskSection_Type">`
/// and every content as `<Content xsi:type="ovf:VirtualSystem_Type">`, and spelled CIM
/// properties `InstanceId` where DMTF OVF writes `InstanceID`; these helpers let the
/// rest of the parser see one dialect.
extension XMLTree.Element {
    /// The element's OVF name: `DiskSection` for both `<DiskSection>` and
    /// `<Section xsi:type="ovf:DiskSection_Type">`.
    var ovfName: String {
        guard name == "Section" || name == "Content",
            let type = attributes.first(where: { $0.name == "type" && $0.namespace == Self.schemaInstance })?.value
        else { return name }
        var local = type.split(separator: ":").last.map(String.init) ?? type
        if local.hasSuffix("_Type") { local.removeLast("_Type".count) }
        return local
    }

    static let schemaInstance = "http://www.w3.org/2001/XMLSchema-instance"

    /// Children whose OVF name matches, ignoring case (`InstanceId` = `InstanceID`).
    func children(named name: String) -> [XMLTree.Element] {
        children.filter { $0.ovfName.lowercased() == name.lowercased() }
    }

    func child(named name: String) -> XMLTree.Element? {
        children.first { $0.ovfName.lowercased() == name.lowercased() }
    }

    /// `ovf:required`; OVF's default is true.
    var isRequired: Bool {
        guard let value = attributes.first(where: { $0.name == "required" })?.value else { return true }
        return value.trimmingSpaces().lowercased() != "false" && value.trimmingSpaces() != "0"
    }

    /// A section in the OVF sense: named `…Section`, or a 0.9 `Section` element.
    var isSection: Bool { ovfName.hasSuffix("Section") || name == "Section" }
}
