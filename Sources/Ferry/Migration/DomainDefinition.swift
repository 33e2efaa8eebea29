/// A libvirt domain ready to define: its XML and what did not carry over from VMware.
public struct DomainDefinition: Sendable, Hashable {
    /// The sanitised domain name (``DomainName``).
    public var name: String
    /// The VM's BIOS UUID as the domain UUID, or nil when libvirt will generate one.
    public var uuid: String?
    /// The `<domain>` document for `virDomainDefineXML`. Holds the secret's UUID, never a key.
    public var xml: String
    /// One sentence per thing that changed or was left behind (a replaced controller, an
    /// empty CD-ROM, a dropped serial port, a renamed domain), for the user to review.
    public var notes: [String]

    public init(name: String, uuid: String?, xml: String, notes: [String]) {
        self.name = name
        self.uuid = uuid
        self.xml = xml
        self.notes = notes
    }
}
