/// A managed object reference: its type and its id (`vm-42`, `group-d1`, `ServiceInstance`).
public struct ManagedObject: Sendable, Hashable, Codable, CustomStringConvertible {
    public var type: String
    public var value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    public var description: String { "\(type):\(value)" }

    /// `<NAME type="TYPE">VALUE</NAME>`, for a request's parameter.
    func xml(_ name: String) -> String {
        "<\(name) type=\"\(SOAP.escaped(type))\">\(SOAP.escaped(value))</\(name)>"
    }
}
