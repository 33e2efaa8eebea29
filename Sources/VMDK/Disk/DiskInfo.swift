/// What `ferry inspect` reports about an opened disk. Codable for `--json`;
/// `description` is the multi-line human form.
public struct DiskInfo: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The path that was opened (for an OVA: `archive.ova:member`).
    public var path: String
    /// "vmdk", or "ova" for a disk read in place from an OVA.
    public var format: String
    /// The descriptor's createType (monolithicSparse, streamOptimized, vmfs, …) of the top layer.
    public var createType: String
    /// Virtual size in bytes.
    public var capacity: UInt64
    /// The descriptor `version=` (1–3).
    public var version: Int
    /// Content ID of the top layer, 8 hex digits.
    public var cid: String?
    /// The top layer's parentCID, nil for a disk without parent.
    public var parentCID: String?
    public var adapterType: String?
    public var geometry: Geometry?
    /// `ddb.uuid`, as written.
    public var uuid: String?
    public var longContentID: String?
    public var virtualHardwareVersion: String?
    public var thinProvisioned: Bool?
    /// Extents of the top layer, in disk order.
    public var extents: [ExtentInfo]
    /// Every layer, child first, base last.
    public var chain: [LayerInfo]
    public var warnings: [String]
    /// Bytes of the merged allocation map that hold data.
    public var allocatedBytes: UInt64
    /// Bytes known to be zero (zeroed grains, ZERO extents, holes in flat files).
    public var zeroBytes: UInt64
    /// Bytes never written in any layer.
    public var unallocatedBytes: UInt64
    /// The OVA the disk was read from, if any.
    public var archive: ArchiveInfo?

    public struct Geometry: Sendable, Codable, Hashable {
        public var cylinders: UInt64
        public var heads: UInt64
        public var sectors: UInt64
    }

    public var description: String {
        var lines: [String] = []
        lines.append("disk:        \(path)")
        lines.append(
            "format:      \(format == "ova" ? "VMDK inside an OVA" : "VMDK") (createType \(createType), descriptor version \(version))"
        )
        lines.append("capacity:    \(humanBytes(capacity)) (\(capacity) bytes)")
        lines.append(
            "allocation:  \(humanBytes(allocatedBytes)) data, \(humanBytes(zeroBytes)) zero, \(humanBytes(unallocatedBytes)) unallocated"
        )
        if let adapterType { lines.append("adapter:     \(adapterType)") }
        if let geometry {
            lines.append("geometry:    \(geometry.cylinders)/\(geometry.heads)/\(geometry.sectors) (C/H/S)")
        }
        if let uuid { lines.append("uuid:        \(uuid)") }
        if let virtualHardwareVersion { lines.append("hw version:  \(virtualHardwareVersion)") }
        if let thinProvisioned { lines.append("thin:        \(thinProvisioned ? "yes" : "no")") }
        if let archive {
            lines.append("archive:     \(archive.path) member \(archive.members.joined(separator: ", "))")
            lines.append("manifest:    \(archive.manifest)")
        }
        lines.append("extents:")
        for extent in extents { lines.append("  " + extent.summary) }
        lines.append("chain:       \(chain.count) layer\(chain.count == 1 ? "" : "s") (child first)")
        for (depth, layer) in chain.enumerated() {
            let parent = layer.parentCID.map { " parentCID=\($0)" } ?? ""
            lines.append("  [\(depth)] \(layer.path): \(layer.createType) CID=\(layer.cid ?? "none")\(parent)")
        }
        if !warnings.isEmpty {
            lines.append("warnings:")
            for warning in warnings { lines.append("  - \(warning)") }
        }
        return lines.joined(separator: "\n")
    }
}

/// One extent of a layer.
public struct ExtentInfo: Sendable, Codable, Hashable {
    /// RW, RDONLY or NOACCESS.
    public var access: String
    /// The descriptor's extent type: FLAT, SPARSE, ZERO, VMFS, VMFSSPARSE, SESPARSE.
    public var type: String
    /// The file holding it (nil for ZERO).
    public var file: String?
    /// Where the extent starts on the virtual disk, in bytes.
    public var offset: UInt64
    /// Size in bytes.
    public var size: UInt64
    /// For flat extents, where the data starts inside `file`, in bytes.
    public var fileOffset: UInt64?
    /// How the file is laid out: flat, zero, hostedSparse, streamOptimized, vmfsSparse, seSparse.
    public var format: String
    /// Sparse header version, if the format has one.
    public var headerVersion: UInt32?
    /// Grain size in bytes, for sparse formats.
    public var grainSize: UInt64?
    public var compressed: Bool

    var summary: String {
        var text = "\(access) \(type) \(humanBytes(size)) at \(offset)"
        if let file { text += " \"\(file)\"" }
        if let fileOffset, fileOffset != 0 { text += " from byte \(fileOffset)" }
        text += " [\(format)"
        if let headerVersion { text += " v\(headerVersion)" }
        if let grainSize { text += ", \(humanBytes(grainSize)) grains" }
        if compressed { text += ", deflate" }
        return text + "]"
    }
}

/// One layer of a snapshot chain.
public struct LayerInfo: Sendable, Codable, Hashable {
    public var path: String
    public var createType: String
    public var cid: String?
    public var parentCID: String?
    public var parentFileNameHint: String?
    public var capacity: UInt64
    public var extents: [ExtentInfo]
}

/// The OVA a disk came from.
public struct ArchiveInfo: Sendable, Codable, Hashable {
    public var path: String
    /// The tar members that make up the disk (several for an OVF chunkSize disk).
    public var members: [String]
    /// "verified (SHA256)", "not verified: no manifest", …
    public var manifest: String
}

/// "0000abcd" formatting of CIDs.
func cidString(_ value: UInt32) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - text.count)) + text
}
