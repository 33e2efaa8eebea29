import VMDK
import VSphere

/// Which storage a source path is read from: the one table to extend for a new kind of
/// source. An entry says which paths it takes and makes the ``FileAccess`` that reads them;
/// the readers, the importer and the inspection above never change for it.
public struct SourceStorage: Sendable {
    /// What the storage is called in errors.
    let name: String
    let takes: @Sendable (String) -> Bool
    let access: @Sendable (String, OpenOptions) throws(VMDKError) -> any FileAccess

    /// Every storage Ferry reads sources from, asked in order.
    static let all: [SourceStorage] = [.localFiles, .vsphereDatastores]

    /// Local folders and mounted datastores: every path that is not a URL.
    static let localFiles = SourceStorage(
        name: "local files", takes: { !$0.contains("://") },
        access: { _, options in LocalFiles(allowedRoots: options.allowedRoots) })

    /// Datastores of ESXi hosts and vCenters, over HTTPS `/folder`: `vsphere://ENDPOINT/
    /// DATACENTER/[DATASTORE] folder/disk.vmdk`, through the endpoint's open session.
    static let vsphereDatastores = SourceStorage(
        name: "vSphere datastores", takes: { VSphereURL.names($0) },
        access: { path, _ throws(VMDKError) in try VSphereSessions.shared.datastoreAccess(for: path) })

    /// The access for `path`.
    /// - Throws: `VMDKError` `.unsupported` naming the path when no storage takes it (a URL
    ///   of a scheme Ferry does not read).
    static func access(for path: String, options: OpenOptions = .init()) throws(VMDKError) -> any FileAccess {
        guard let storage = all.first(where: { $0.takes(path) }) else {
            let scheme = path.prefix { $0 != ":" }
            throw VMDKError(
                .unsupported, file: path,
                "no source storage reads \(scheme):// paths; give a local path or a mounted datastore's")
        }
        return try storage.access(path, options)
    }

    /// Opens the disk `path` names (a VMDK with its chain, or the disk `member` of an OVA,
    /// nil: the first) for random access, through its storage: for inspection, and for
    /// imports that are not read in one pass.
    public static func openDisk(_ path: String, member: String? = nil, options: OpenOptions = .init())
        throws(VMDKError) -> VirtualDisk
    {
        let kind = member != nil ? .ova : try SourceKind.of(path)
        return try openDisk(path, member: member, kind: kind, access: access(for: path, options: options), options: options)
    }

    /// The same, for a caller that already told the kind and chose the access (the opener),
    /// so the file's head is not read again.
    static func openDisk(
        _ path: String, member: String?, kind: SourceKind, access: any FileAccess, options: OpenOptions
    ) throws(VMDKError) -> VirtualDisk {
        if member != nil || kind == .ova {
            return try VirtualDisk.open(ova: path, member: member, access: access, options: options)
        }
        return try VirtualDisk.open(path, access: access, options: options)
    }
}
