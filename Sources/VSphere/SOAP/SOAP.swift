import VMwareConfig

/// The SOAP envelopes of the vSphere Web Services API (namespace `urn:vim25`), built as text:
/// each request is a method name, `_this` and a few parameters in a fixed order.
enum SOAP {
    /// The largest answer accepted, in bytes (a property answer for a large vCenter).
    static let maximumAnswer = 256 << 20

    /// The whole envelope for `method` on `this` with `parameters` (already XML, in the
    /// order the WSDL lists them).
    static func envelope(_ method: String, this: ManagedObject, _ parameters: String = "") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>\
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
        xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
        <soapenv:Body><\(method) xmlns="urn:vim25">\(this.xml("_this"))\(parameters)</\(method)></soapenv:Body>\
        </soapenv:Envelope>
        """
    }

    /// `<name>text</name>` with the text escaped.
    static func element(_ name: String, _ text: String) -> String {
        "<\(name)>\(escaped(text))</\(name)>"
    }

    /// Text made safe for XML content and attribute values.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The answer to `method`: the element inside `<soapenv:Body>` (`<…Response>`), or the fault.
    /// - Throws: `VSphereError` `.protocolError` for anything but a SOAP envelope, `.fault`
    ///   (or `.loginFailed` for `InvalidLogin`) for a fault, with its type.
    static func answer(_ bytes: [UInt8], status: UInt, method: String, endpoint: String) throws(VSphereError)
        -> XMLTree.Element
    {
        let root: XMLTree.Element
        do {
            root = try XMLTree.parse(bytes, file: "\(endpoint) \(method) answer", maximumSize: maximumAnswer)
        } catch {
            throw VSphereError(.protocolError, "\(endpoint): \(method) answered HTTP \(status) with no SOAP envelope (\(error.message))")
        }
        guard let body = root.children.first(where: { $0.name == "Body" }), let content = body.children.first else {
            throw VSphereError(.protocolError, "\(endpoint): \(method) answered HTTP \(status) with an empty SOAP body")
        }
        if content.name == "Fault" { throw fault(content, method: method, endpoint: endpoint) }
        return content
    }

    /// A fault's type (`detail`'s first element, e.g. `InvalidLoginFault`, or its xsi:type)
    /// and its text.
    private static func fault(_ fault: XMLTree.Element, method: String, endpoint: String) -> VSphereError {
        let text = fault.children.first { $0.name == "faultstring" }?.trimmedText ?? ""
        let detail = fault.children.first { $0.name == "detail" }?.children.first
        var type = detail.flatMap { $0.xsiType ?? $0.name } ?? "unknown"
        if type.hasSuffix("Fault") { type.removeLast("Fault".count) }
        let said = text.isEmpty ? type : "\(type): \(text)"
        if type == "InvalidLogin" {
            return VSphereError(.loginFailed, "\(endpoint): login refused (\(said)); check the user and the password file", faultType: type)
        }
        return VSphereError(.fault, "\(endpoint): \(method) failed: \(said)", faultType: type)
    }
}

extension XMLTree.Element {
    /// `xsi:type` without its prefix (`VirtualDisk`, `ArrayOfVirtualDevice`).
    var xsiType: String? {
        guard let raw = attributes.first(where: { $0.name == "type" && $0.prefix != nil })?.value else { return nil }
        return raw.split(separator: ":").last.map(String.init)
    }

    /// The first child named `name`.
    func child(_ name: String) -> XMLTree.Element? { children.first { $0.name == name } }

    /// Every child named `name`.
    func all(_ name: String) -> [XMLTree.Element] { children.filter { $0.name == name } }

    /// The trimmed text of the child at `path` (`backing/fileName`).
    func text(_ path: String) -> String? {
        var element: XMLTree.Element? = self
        for name in path.split(separator: "/") { element = element?.child(String(name)) }
        return element?.trimmedText
    }

    /// The child at `path` as a managed object reference.
    func reference(_ path: String) -> ManagedObject? {
        var element: XMLTree.Element? = self
        for name in path.split(separator: "/") { element = element?.child(String(name)) }
        guard let element, let type = element.attributes.first(where: { $0.name == "type" && $0.prefix == nil })?.value
        else { return nil }
        return ManagedObject(type: type, value: element.trimmedText)
    }
}

extension XMLTree.Element {
    /// This element itself as a managed object reference (a `<val>` of that type).
    var managedObject: ManagedObject? {
        guard let type = attributes.first(where: { $0.name == "type" && $0.prefix == nil })?.value else { return nil }
        return ManagedObject(type: type, value: trimmedText)
    }
}
