import Foundation

import VMDKFixtures

extension FixtureWriter {
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
