/// A failure of Ferry's own logic (as opposed to one from Ceph, libvirt or a VMDK file),
/// reported to the user as one line.
public struct FerryFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
