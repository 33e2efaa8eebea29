/// A failure of Ferry's own logic (as opposed to one from Ceph, libvirt or a VMDK file),
/// reported to the user as one line.
public struct FerryFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// The error this one explains, when it wraps one (e.g. libvirt refusing a registration):
    /// the job runner looks through it to tell a passing outage from bad input.
    public var cause: (any Error)?

    public init(_ description: String, cause: (any Error)? = nil) {
        self.description = description
        self.cause = cause
    }
}
