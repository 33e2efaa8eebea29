/// A VMware disk mode (`scsi0:0.mode`). It decides whether writes reach the disk file,
/// which matters to Ferry: a nonpersistent disk's content on the datastore is what the
/// guest booted from, not what it last wrote.
public struct DiskMode: RawRepresentable, Sendable, Codable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.lowercased() }

    public var description: String { rawValue }

    public static let persistent = DiskMode(rawValue: "persistent")
    public static let nonpersistent = DiskMode(rawValue: "nonpersistent")
    /// Excluded from snapshots, writes kept.
    public static let independentPersistent = DiskMode(rawValue: "independent-persistent")
    /// Excluded from snapshots, writes discarded at power off (libvirt: `<transient/>`).
    public static let independentNonpersistent = DiskMode(rawValue: "independent-nonpersistent")
    /// Workstation 4-era mode where the user is asked at power off whether to keep changes.
    public static let undoable = DiskMode(rawValue: "undoable")
    public static let append = DiskMode(rawValue: "append")

    /// True when the guest's writes do not persist in the disk file.
    public var discardsWrites: Bool { self == .nonpersistent || self == .independentNonpersistent }
}
