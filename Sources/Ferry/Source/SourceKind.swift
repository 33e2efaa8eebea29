import VMDK
import VSphere

/// What a source path names: the one place that decides, from the file's first bytes (and
/// its name where the bytes cannot tell), whether Ferry was handed a disk, an OVA, a VMX or
/// standard input. The CLI, `migrate`, plan validation and jobs all ask here.
public enum SourceKind: String, Sendable, Hashable {
    /// A VMDK in any form (descriptor, sparse, streamOptimized, a snapshot chain's head).
    case disk
    /// An OVA package: an OVF descriptor and its disks in one tar.
    case ova
    /// A VM's `.vmx` configuration, whose disks are files beside it or on datastores.
    case vmx
    /// `-`: a streamOptimized VMDK or an OVA arriving on a pipe.
    case standardInput
    /// A VM on ESXi or vCenter, `vsphere://ENDPOINT/DATACENTER/VM`, read through the vSphere
    /// API (its disks through the datastore: `vsphere://…/[DATASTORE] path` names a disk).
    case vsphere

    /// Tells what `path` holds.
    ///
    /// Content decides where it is unambiguous (a tar is an OVA, a VMDK magic a disk). Text
    /// is a VMDK descriptor when it says so (`createType`), a VMX when it has a VMX's
    /// version keys or the `.vmx` name; a file named `.ova` that is no tar stays an OVA, so
    /// that its error says what is wrong with it as an OVA.
    /// - Throws: `VMDKError` `.notFound`/`.io` when the file cannot be opened, `.unsupported`
    ///   when no storage reads the path.
    public static func of(_ path: String) throws(VMDKError) -> SourceKind {
        if path == "-" { return .standardInput }
        if VSphereURL.names(path) {
            do {
                if case .vm = try VSphereURL.parse(path) { return .vsphere }
            } catch {
                throw VMDKError(.invalidArgument, file: path, error.message)
            }
        }
        let access = try SourceStorage.access(for: path)
        let file = try access.open(access.locate(path))
        defer { file.close() }
        var head = [UInt8](repeating: 0, count: Int(min(file.length, UInt64(FileFormat.headLength))))
        var failure: VMDKError?
        head.withUnsafeMutableBytes { buffer in
            do throws(VMDKError) { try file.read(into: buffer, at: 0) } catch { failure = error }
        }
        if let failure { throw failure }

        switch FileFormat.sniff(head) {
        case .tarArchive:
            return .ova
        case .hostedSparse, .vmfsSparseDelta, .seSparseDelta:
            return .disk
        case .text, .unknown:
            if let named = named(path) { return named }
            let text = String(decoding: head, as: UTF8.self).lowercased()
            if !text.contains("createtype"), text.contains("virtualhw.version") || text.contains("config.version") {
                return .vmx
            }
            return .disk
        }
    }

    /// The kind `path`'s name suggests (`-`, `.ova`, `.vmx`), without reading it: for
    /// scheduling a plan's jobs, and for files whose content cannot tell.
    public static func named(_ path: String) -> SourceKind? {
        if path == "-" { return .standardInput }
        if VSphereURL.names(path), case .vm? = try? VSphereURL.parse(path) { return .vsphere }
        let name = path.lowercased()
        if name.hasSuffix(".ova") { return .ova }
        if name.hasSuffix(".vmx") { return .vmx }
        return nil
    }
}
