/// How the guest boots. An EFI guest installed on VMware has its boot loader on an EFI
/// system partition and will not boot under SeaBIOS, so this must carry over exactly.
public enum Firmware: Sendable, Codable, Hashable {
    case bios
    /// UEFI; `secureBoot` mirrors `uefi.secureBoot.enabled`.
    case efi(secureBoot: Bool)

    public var isEFI: Bool {
        if case .efi = self { return true }
        return false
    }
}
