import Foundation

/// Writers for VMDK forms qemu-img cannot create: ESXi descriptors, COWD and seSparse
/// deltas, custom descriptors.
enum FixtureWriter {
    static func descriptor(
        createType: String, extents: [String], cid: UInt32 = 0x0bad_cafe, parentCID: UInt32 = 0xffff_ffff,
        parentHint: String? = nil, extra: String = ""
    ) -> String {
        var text = """
            # Disk DescriptorFile
            version=1
            encoding="UTF-8"
            CID=\(String(format: "%08x", cid))
            parentCID=\(String(format: "%08x", parentCID))
            createType="\(createType)"

            """
        if let parentHint { text += "parentFileNameHint=\"\(parentHint)\"\n" }
        text += "\n# Extent description\n" + extents.joined(separator: "\n") + "\n\n# The Disk Data Base\n#DDB\n\n"
        text += "ddb.adapterType = \"lsilogic\"\nddb.geometry.cylinders = \"783\"\nddb.geometry.heads = \"255\"\n"
        text += "ddb.geometry.sectors = \"63\"\nddb.uuid = \"60 00 C2 9c b4 0d 12 d5-0f a9 7b 45 97 ab b7 1c\"\n"
        return text + extra
    }

    /// An ESXi-style disk: `NAME.vmdk` (descriptor, extent type VMFS) + `NAME-flat.vmdk`,
    /// a sparse file holding only `writes`.
    static func esxiFlat(
        _ scratch: Scratch, name: String, createType: String = "vmfs", size: UInt64, writes: [(UInt64, [UInt8])],
        cid: UInt32 = 0x4164_f1a0
    ) throws {
        let flat = scratch.file("\(name)-flat.vmdk")
        _ = FileManager.default.createFile(atPath: flat, contents: nil)
        try truncateFile(flat, to: size)
        for (offset, bytes) in writes { try poke(flat, at: offset, bytes) }
        try scratch.write(
            "\(name).vmdk",
            text: descriptor(
                createType: createType, extents: ["RW \(size / 512) VMFS \"\(name)-flat.vmdk\""], cid: cid,
                extra: "ddb.thinProvisioned = \"1\"\nddb.virtualHWVersion = \"14\"\n"))
    }
}
