import Foundation
import VMDK

/// The files of a datastore, read over HTTPS from the host's `/folder` endpoint
/// (`https://HOST/folder/PATH?dcPath=DC&dsName=DS`) with Range requests: the third
/// ``FileAccess``, beside local folders and the inside of an OVA. The VMDK readers above it
/// are the same ones that read local files, with the same checks.
///
/// Confinement: an extent or parent a descriptor names must lie in the referring file's
/// folder on the same datastore (`..` and other datastores are refused). ESXi writes some
/// parent hints as `/vmfs/volumes/DATASTORE/folder/file`; those are accepted when they name
/// this datastore (by name, or by the volume id in `volumeIDs`) and the same folder.
public struct DatastoreFiles: FileAccess {
    let connection: VSphereConnection
    let datacenter: String
    /// Volume ids (`5f1e…-…`) that mean a datastore, by datastore name.
    let volumeIDs: [String: String]
    let policy: RangeRetryPolicy

    public init(
        connection: VSphereConnection, datacenter: String, volumeIDs: [String: String] = [:],
        policy: RangeRetryPolicy = .init()
    ) {
        self.connection = connection
        self.datacenter = datacenter
        self.volumeIDs = volumeIDs
        self.policy = policy
    }

    /// Takes `vsphere://ENDPOINT/DC/[DS] path` or `[DS] path`; asks the host for the file's size.
    public func locate(_ path: String) throws(VMDKError) -> FileLocation {
        let datastorePath: DatastorePath
        if VSphereURL.names(path) {
            guard case .file(_, _, let parsed)? = try? VSphereURL.parse(path) else {
                throw VMDKError(.invalidArgument, file: path, "is not a datastore file (vsphere://ENDPOINT/DATACENTER/[DATASTORE] folder/file.vmdk)")
            }
            datastorePath = parsed
        } else if let parsed = DatastorePath(path) {
            datastorePath = parsed
        } else {
            throw VMDKError(.invalidArgument, file: path, "is not a datastore path ([DATASTORE] folder/file.vmdk)")
        }
        let location = FileLocation(path: datastorePath.description, displayPath: display(datastorePath))
        _ = try DatastoreFile.length(of: url(datastorePath), display: location.displayPath, connection: connection, policy: policy)
        return location
    }

    public func resolve(_ reference: String, from referencing: FileLocation, field: String) throws(VMDKError)
        -> FileLocation
    {
        guard let from = DatastorePath(referencing.path) else {
            throw VMDKError(.invalidArgument, file: referencing.displayPath, "is not a datastore path")
        }
        if reference.isEmpty || reference.utf8.contains(0) {
            throw VMDKError(.badDescriptor, file: referencing.displayPath, field: field, "empty or NUL-bearing file name")
        }
        let folder = from.folder
        var components: [Substring]
        if reference.hasPrefix("/") {
            // /vmfs/volumes/VOLUME/folder/file
            let parts = reference.split(separator: "/")
            guard parts.count >= 3, parts[0] == "vmfs", parts[1] == "volumes",
                String(parts[2]) == from.datastore || volumeIDs[from.datastore] == String(parts[2])
            else {
                throw VMDKError(
                    .pathEscape, file: referencing.displayPath, field: field,
                    "refers to \"\(reference)\", which is not on datastore \(from.datastore); Ferry reads a disk's files from its own folder only")
            }
            components = Array(parts.dropFirst(3))
        } else {
            components = (folder.isEmpty ? [] : folder.split(separator: "/")) + reference.split(separator: "/")
        }
        var normalized: [Substring] = []
        for component in components {
            switch component {
            case ".", "": continue
            case "..": if normalized.popLast() == nil { normalized.append("..") }
            default: normalized.append(component)
            }
        }
        let resolved = normalized.joined(separator: "/")
        let parent = normalized.dropLast().joined(separator: "/")
        guard parent == folder, !normalized.contains("..") else {
            throw VMDKError(
                .pathEscape, file: referencing.displayPath, field: field,
                "refers to \"\(reference)\", which resolves to [\(from.datastore)] \(resolved), outside the disk's folder [\(from.datastore)] \(folder)")
        }
        let target = DatastorePath(datastore: from.datastore, path: resolved)
        let location = FileLocation(path: target.description, displayPath: display(target))
        do {
            _ = try DatastoreFile.length(of: url(target), display: location.displayPath, connection: connection, policy: policy)
        } catch where error.code == .notFound {
            throw VMDKError(
                .notFound, file: referencing.displayPath, field: field,
                "refers to \"\(reference)\", which does not exist on the datastore (looked for \(target))")
        }
        return location
    }

    public func open(_ location: FileLocation) throws(VMDKError) -> any ReadableFile {
        guard let path = DatastorePath(location.path) else {
            throw VMDKError(.invalidArgument, file: location.displayPath, "is not a datastore path")
        }
        return try DatastoreFile(url: url(path), displayPath: location.displayPath, connection: connection, policy: policy)
    }

    /// `https://HOST/folder/PATH?dcPath=DC&dsName=DS`, each part percent-encoded.
    func url(_ path: DatastorePath) -> String {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#[]@!$&'()*+,;="))
        let encodedPath = path.path.split(separator: "/").map {
            String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0)
        }.joined(separator: "/")
        let query = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?#"))
        let dc = datacenter.addingPercentEncoding(withAllowedCharacters: query) ?? datacenter
        let ds = path.datastore.addingPercentEncoding(withAllowedCharacters: query) ?? path.datastore
        return "\(connection.endpoint.origin)/folder/\(encodedPath)?dcPath=\(dc)&dsName=\(ds)"
    }

    /// How a file is named in errors: the vsphere:// URL of it.
    func display(_ path: DatastorePath) -> String {
        VSphereURL.file(endpoint: connection.endpoint.name, datacenter: datacenter, path: path).description
    }
}
