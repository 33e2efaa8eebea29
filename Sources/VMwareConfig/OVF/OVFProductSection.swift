/// Checks a ProductSection's properties. Ferry does not use vApp properties, but a
/// property without a key or with an unknown type means the descriptor was not produced
/// by a working OVF tool, and OVF Tool refuses it too.
extension OVFReader {
    /// DSP0243 property types, plus `int` and `real`, which VMware Studio writes.
    static let propertyTypes: Set<String> = [
        "uint8", "sint8", "uint16", "sint16", "uint32", "sint32", "uint64", "sint64", "int", "string", "boolean",
        "real32", "real64", "real",
    ]

    func checkProductSection(_ section: XMLTree.Element) throws(VMwareConfigError) {
        var keys: [String: Int] = [:]
        var properties = section.children(named: "Property")
        for category in section.children(named: "Category") { properties += category.children(named: "Property") }
        for property in properties {
            guard let key = property.attribute("key"), !key.isEmpty else {
                throw error(.missingField, property, "a ProductSection Property has no ovf:key")
            }
            guard let type = property.attribute("type") else {
                throw error(.missingField, property, "Property \(key) has no ovf:type")
            }
            // An empty type is what VMware Studio writes for string properties.
            let lowered = type.trimmingSpaces().lowercased()
            guard lowered.isEmpty || Self.propertyTypes.contains(lowered) else {
                throw error(.invalidValue, property, "Property \(key) has unknown ovf:type \"\(type)\"")
            }
            if let line = keys[key] {
                throw error(.duplicate, property, "Property key \(key) repeats line \(line)")
            }
            keys[key] = property.line
        }
    }
}
