/// One serial port. Ferry reports these so that a console-dependent guest (a serial
/// console, a licence dongle on a pipe) is not migrated without anyone noticing.
public struct SerialPort: Sendable, Codable, Hashable {
    /// `serialN`.
    public var index: Int
    /// VMX `fileType` (file, device, pipe, network, thinprint, …), lowercased; nil if unset.
    public var kind: String?
    /// VMX `fileName`: a file, host device, pipe name or network URI.
    public var target: String?

    public init(index: Int, kind: String? = nil, target: String? = nil) {
        self.index = index
        self.kind = kind
        self.target = target
    }
}
