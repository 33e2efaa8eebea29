/// An error the `ferry` command reports by itself: one line on standard error and an exit
/// status, whatever layer it comes from.
///
/// It lives in this dependency-free target because the layers that throw (Ceph, Libvirt,
/// VMDK, VMwareConfig, Ferry, FerryServer) do not import each other, yet the command needs
/// one type to catch instead of one `catch` per module.
public protocol ReportableError: Error, CustomStringConvertible {
    /// What went wrong, in one line an admin can act on (no "ferry:" prefix, no newline).
    var reportLine: String { get }
    /// The process exit status the command ends with.
    var exitStatus: Int32 { get }
}

extension ReportableError {
    /// Every Ferry error's description is already one line naming the thing involved.
    public var reportLine: String { description }
    /// 1, like any failing command; no caller tells failures apart by status yet.
    public var exitStatus: Int32 { 1 }
}
