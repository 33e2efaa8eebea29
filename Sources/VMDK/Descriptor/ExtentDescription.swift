/// One extent line of a descriptor: `RW 4192256 SPARSE "disk-s001.vmdk"` or
/// `RW 8388608 FLAT "disk-flat.vmdk" 0`.
struct ExtentDescription: Sendable, Equatable {
    enum Access: String, Sendable {
        case readWrite = "RW"
        case readOnly = "RDONLY"
        case noAccess = "NOACCESS"
    }

    enum Kind: String, Sendable, CaseIterable {
        case flat = "FLAT"
        case sparse = "SPARSE"
        case zero = "ZERO"
        case vmfs = "VMFS"
        case vmfsSparse = "VMFSSPARSE"
        case seSparse = "SESPARSE"
        // Raw device mappings: the descriptor points at a SAN LUN, not at data in a file.
        case vmfsRDM = "VMFSRDM"
        case vmfsRaw = "VMFSRAW"
        case vmfsRDMP = "VMFSRDMP"

        var isRawDevice: Bool { self == .vmfsRDM || self == .vmfsRaw || self == .vmfsRDMP }
    }

    var access: Access
    /// Size in 512-byte sectors.
    var sectors: UInt64
    var kind: Kind
    /// File name as written (decoded from the descriptor's encoding); nil for ZERO.
    var fileName: String?
    /// Start of the extent inside its file, in sectors (FLAT only).
    var offset: UInt64?
    /// 1-based line number in the descriptor, for messages.
    var line: Int
}
