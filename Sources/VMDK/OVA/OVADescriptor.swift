/// The OVF descriptor of an OVA, for the layer that turns it into a VM definition.
public struct OVADescriptor: Sendable {
    /// The `.ovf` member's name inside the tar.
    public var member: String
    public var bytes: [UInt8]
    /// The manifest's verdict on the descriptor, e.g. "verified (SHA256)".
    public var manifest: String

    /// Reads the `.ovf` member of an OVA in place and checks it against the manifest.
    /// - Throws: `VMDKError` `.badArchive` when there is no descriptor, `.manifestMismatch`
    ///   when its digest disagrees with the `.mf`.
    public init(ova path: String, access: any FileAccess = LocalFiles()) throws(VMDKError) {
        let package = try OVAPackage.open(path, access: access)
        guard let name = package.descriptorMember,
            let entry = package.archive.members.first(where: { $0.name == name })
        else {
            throw VMDKError(.badArchive, file: path, "the OVA holds no .ovf descriptor")
        }
        var warnings: [String] = []
        manifest = try package.verify(members: [name], warnings: &warnings)
        bytes = try package.file.bytes(at: entry.dataOffset, count: Int(entry.size), field: name)
        member = name
    }
}
