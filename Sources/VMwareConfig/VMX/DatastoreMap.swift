/// Where the VMware datastores (and, for hosted products, host folders) a VMX refers to
/// are reachable from the machine running Ferry.
///
/// ESXi writes a disk outside the VM's own folder as `/vmfs/volumes/<datastore>/<path>`,
/// where `<datastore>` is either the datastore's name or its UUID (both appear in real
/// files, and a datastore's UUID path and name path are the same volume). Ferry reads the
/// data from a local mount of that datastore (NFS export, SAN LUN mounted read-only, a
/// copied folder), so the operator says where each one is:
///
///     DatastoreMap(["datastore1": "/mnt/ds1", "4af0231d-1eff559a-6369-0024e84773b6": "/mnt/ds1"])
///
/// `hostPaths` does the same for any other absolute prefix (Workstation or GSX disks such
/// as `/data/vmware/disk.vmdk`, or `"/vmfs/volumes": "/mnt/vmfs"` to mirror every
/// datastore under one folder); the longest matching prefix wins. Nothing is resolved by
/// guessing: an unmapped absolute path is reported, not read from the local filesystem.
public struct DatastoreMap: Sendable, Hashable, Codable {
    /// Datastore name or UUID → local folder.
    public var datastores: [String: String]
    /// Absolute path prefix on the VMware host → local folder.
    public var hostPaths: [String: String]

    public init(_ datastores: [String: String] = [:], hostPaths: [String: String] = [:]) {
        self.datastores = datastores
        self.hostPaths = hostPaths
    }

    /// The outcome of resolving a file name.
    enum Resolution: Equatable {
        case local(String)
        /// An absolute path with no mapping; the associated value names what is missing.
        case unmapped(String)
        /// A path that would leave its mapped folder (`..`), or is otherwise unusable.
        case invalid(String)
    }

    /// Resolves a VMX `fileName` for a VM whose .vmx lives in `vmxDirectory`.
    func resolve(_ fileName: String, vmxDirectory: String) -> Resolution {
        let path = Self.isWindowsAbsolute(fileName) ? fileName.replacingBackslashes() : fileName
        guard path.hasPrefix("/") || Self.isWindowsAbsolute(fileName) else {
            return .local(Self.join(vmxDirectory, path))
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if components.contains("..") {
            return .invalid("\"\(fileName)\" contains \"..\" and could leave its datastore")
        }
        if components.count >= 4, components[0] == "vmfs", components[1] == "volumes",
            let folder = datastores[components[2]]
        {
            return .local(Self.join(folder, components[3...].joined(separator: "/")))
        }
        // Longest prefix, compared by whole components so "/data" does not match "/database".
        var best: (length: Int, folder: String)?
        for (prefix, folder) in hostPaths {
            let prefixComponents = prefix.replacingBackslashes().split(separator: "/").map(String.init)
            guard prefixComponents.count <= components.count,
                Array(components.prefix(prefixComponents.count)) == prefixComponents
            else { continue }
            if best == nil || prefixComponents.count > best!.length {
                best = (prefixComponents.count, folder)
            }
        }
        if let best {
            return .local(Self.join(best.folder, components.dropFirst(best.length).joined(separator: "/")))
        }
        if components.count >= 3, components[0] == "vmfs", components[1] == "volumes" {
            return .unmapped("datastore \"\(components[2])\"")
        }
        return .unmapped("host path \"\(fileName)\"")
    }

    /// `C:\VMs\x.vmdk`, `C:/VMs/x.vmdk` or `\\server\share\x.vmdk`.
    static func isWindowsAbsolute(_ path: String) -> Bool {
        let characters = Array(path.prefix(3))
        if characters.count >= 3, characters[0].isLetter, characters[1] == ":",
            characters[2] == "\\" || characters[2] == "/"
        {
            return true
        }
        return path.hasPrefix("\\\\")
    }

    /// Joins and lexically normalises (`.` and `..` inside a relative name); the VMX's own
    /// folder is trusted, so a relative `../shared/base.vmdk` (Workstation linked clones)
    /// is allowed to leave it.
    static func join(_ directory: String, _ relative: String) -> String {
        var parts = directory.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let absolute = directory.hasPrefix("/")
        for part in relative.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(String(part))
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}

extension String {
    fileprivate func replacingBackslashes() -> String {
        String(map { $0 == "\\" ? "/" : $0 })
    }
}
