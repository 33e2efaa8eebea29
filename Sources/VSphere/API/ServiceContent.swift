/// What `RetrieveServiceContent` names: the managers every later call goes to, and what
/// kind of server answers.
public struct ServiceContent: Sendable {
    public var rootFolder: ManagedObject
    public var propertyCollector: ManagedObject
    public var viewManager: ManagedObject
    public var sessionManager: ManagedObject
    /// `VirtualCenter` or `HostAgent` (a standalone ESXi host).
    public var apiType: String
    /// e.g. `7.0.3.0`: the SOAPAction every later call names.
    public var apiVersion: String
    /// e.g. `VMware vCenter Server 7.0.0 build-…`.
    public var fullName: String
}
