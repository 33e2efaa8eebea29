/// A network adapter model as VMware names it (`ethernetN.virtualDev`). A string wrapper
/// for the same reason as ``SCSIControllerModel``.
public struct NICModel: RawRepresentable, Sendable, Codable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.lowercased() }

    public var description: String { rawValue }

    /// AMD PCnet32 ("Flexible" when VMware Tools morph it into vmxnet).
    public static let vlance = NICModel(rawValue: "vlance")
    public static let vmxnet = NICModel(rawValue: "vmxnet")
    /// Enhanced vmxnet: VMX writes `vmxnet` with `features = "15"`.
    public static let vmxnet2 = NICModel(rawValue: "vmxnet2")
    public static let vmxnet3 = NICModel(rawValue: "vmxnet3")
    public static let e1000 = NICModel(rawValue: "e1000")
    public static let e1000e = NICModel(rawValue: "e1000e")

    /// The models VMware hardware offers; anything else is reported as a warning.
    public static let known: Set<NICModel> = [.vlance, .vmxnet, .vmxnet2, .vmxnet3, .e1000, .e1000e]
}
