/// A SCSI controller model as VMware names it. A string wrapper rather than an enum:
/// VMware adds models over time and Ferry must carry an unknown one through to a warning,
/// not fail to decode it.
public struct SCSIControllerModel: RawRepresentable, Sendable, Codable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.lowercased() }

    public var description: String { rawValue }

    public static let buslogic = SCSIControllerModel(rawValue: "buslogic")
    public static let lsilogic = SCSIControllerModel(rawValue: "lsilogic")
    /// LSI Logic SAS; OVF writes it `lsilogicsas`, which Ferry maps here.
    public static let lsisas1068 = SCSIControllerModel(rawValue: "lsisas1068")
    /// VMware Paravirtual SCSI; libvirt calls it `vmpvscsi`.
    public static let pvscsi = SCSIControllerModel(rawValue: "pvscsi")

    /// The models VMware hardware offers; anything else is reported as a warning.
    public static let known: Set<SCSIControllerModel> = [.buslogic, .lsilogic, .lsisas1068, .pvscsi]
}
