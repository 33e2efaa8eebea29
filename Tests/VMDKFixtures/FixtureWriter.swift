import Foundation

/// Writers for VMDK forms qemu-img cannot create: ESXi descriptors, custom descriptors
/// (COWD and seSparse deltas are ``DeltaWriter``'s). Shared by the VMDK reader tests and
/// the vSphere tests, which place such disks on vcsim's datastore.
public enum FixtureWriter {
    public static func descriptor(
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

}
