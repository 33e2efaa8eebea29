import Foundation
import TestSupport
import VMDKFixtures

/// A VM's disks as ESXi leaves them, written into vcsim's datastore folder: a thin `vmfs`
/// disk (descriptor + `-flat.vmdk`) whose first sector boots and prints a marker, with two
/// snapshots on top (a vmfsSparse delta, then a seSparse delta), and a second thin disk
/// with no snapshot.
struct ChainFixture {
    static let capacity: UInt64 = 8 << 20
    let folder: String
    let name: String

    /// The chain's head (`NAME-000002.vmdk`) and its parents, child first.
    var head: String { "\(name)-000002.vmdk" }
    var parents: [String] { ["\(name)-000001.vmdk", "\(name).vmdk"] }
    var dataDisk: String { "\(name)-data.vmdk" }

    /// Writes every file; the boot disk's first sector prints `marker`.
    static func write(in folder: String, name: String, marker: String) throws -> ChainFixture {
        let fixture = ChainFixture(folder: folder, name: name)
        let sectors = capacity / 512
        // The base: sector 0 boots, and a pattern at 1 MiB that the deltas partly cover.
        var base = Data(count: Int(capacity))
        base.replaceSubrange(0..<512, with: BootSector.printing(marker))
        for offset in stride(from: 1 << 20, to: 3 << 20, by: 4096) {
            let label = Array("base@\(offset)".utf8)
            base.replaceSubrange(offset..<(offset + label.count), with: label)
        }
        try fixture.write("\(name)-flat.vmdk", base)
        try fixture.write(
            "\(name).vmdk",
            FixtureWriter.descriptor(
                createType: "vmfs", extents: ["RW \(sectors) VMFS \"\(name)-flat.vmdk\""], cid: 0x0b0b_0001,
                extra: "ddb.thinProvisioned = \"1\"\nddb.virtualHWVersion = \"19\"\n"))
        // Snapshot 1 (vmfsSparse with ESXi's one-sector grains): rewrites 2048 scattered
        // sectors of the pattern, each a grain of its own, as a guest's small writes leave it.
        try fixture.write(
            "\(name)-000001-delta.vmdk",
            DeltaWriter.cowd(
                capacitySectors: UInt32(sectors), grainSectors: 1,
                grains: (0..<2048).map { (2048 + $0 * 3, [UInt8](repeating: UInt8(0xc0 | ($0 & 0x0f)), count: 512)) }))
        try fixture.write(
            "\(name)-000001.vmdk",
            FixtureWriter.descriptor(
                createType: "vmfsSparse", extents: ["RW \(sectors) VMFSSPARSE \"\(name)-000001-delta.vmdk\""],
                cid: 0x0b0b_0002, parentCID: 0x0b0b_0001, parentHint: "\(name).vmdk"))
        // Snapshot 2 (seSparse): new data past the pattern, and a zeroed grain over it.
        try fixture.write(
            "\(name)-000002-sesparse.vmdk",
            DeltaWriter.seSparse(
                capacitySectors: sectors,
                grains: [1000: .data([UInt8](repeating: 0x5e, count: 4096), physical: 2), 257: .zero]))
        try fixture.write(
            "\(name)-000002.vmdk",
            FixtureWriter.descriptor(
                createType: "seSparse", extents: ["RW \(sectors) SESPARSE \"\(name)-000002-sesparse.vmdk\""],
                cid: 0x0b0b_0003, parentCID: 0x0b0b_0002, parentHint: "\(name)-000001.vmdk"))
        // The data disk: thin vmfs, a few scattered blocks.
        var data = Data(count: Int(capacity))
        for offset in [0, 5 << 20, (8 << 20) - 4096] {
            data.replaceSubrange(offset..<(offset + 4096), with: Data(repeating: UInt8(truncatingIfNeeded: offset >> 12) | 0x80, count: 4096))
        }
        try fixture.write("\(name)-data-flat.vmdk", data)
        try fixture.write(
            fixture.dataDisk,
            FixtureWriter.descriptor(
                createType: "vmfs", extents: ["RW \(sectors) VMFS \"\(name)-data-flat.vmdk\""], cid: 0x0d0d_0001,
                extra: "ddb.thinProvisioned = \"1\"\n"))
        return fixture
    }

    private func write(_ file: String, _ data: Data) throws {
        try data.write(to: URL(fileURLWithPath: "\(folder)/\(file)"))
    }

    private func write(_ file: String, _ bytes: [UInt8]) throws {
        try write(file, Data(bytes))
    }

    private func write(_ file: String, _ text: String) throws {
        try write(file, Data(text.utf8))
    }

    /// `qemu-img convert -O raw` of a disk in the folder: the oracle every image must equal.
    func oracleDigest(_ disk: String) throws -> String {
        let raw = "\(folder)/.oracle-\(UUID().uuidString).raw"
        defer { try? FileManager.default.removeItem(atPath: raw) }
        _ = try Command.run(["qemu-img", "convert", "-O", "raw", "\(folder)/\(disk)", raw])
        return try Self.sha256(of: ["sha256sum", raw])
    }

    /// sha256 of what `rbd export` writes for an image.
    static func imageDigest(_ spec: String, conf: String) throws -> String {
        try sha256(of: ["sh", "-c", "rbd --conf \(conf) export \(spec) - 2>/dev/null | sha256sum"])
    }

    private static func sha256(of command: [String]) throws -> String {
        String(String(decoding: try Command.run(command), as: UTF8.self).prefix(64))
    }

    /// The harness spec of this VM: pvscsi boot disk on the chain, SATA data disk, a vmxnet3 NIC.
    func spec(powerState: String = "poweredOff", uuid: String, instanceUUID: String) -> [String: Any] {
        [
            "name": name, "folder": name, "guestId": "otherLinux64Guest", "numCPUs": 2, "numCoresPerSocket": 2,
            "memoryMB": 128, "firmware": "bios", "uuid": uuid, "instanceUuid": instanceUUID, "powerState": powerState,
            "tools": "running",
            "controllers": [["type": "pvscsi", "busNumber": 0], ["type": "sata", "busNumber": 0]],
            "disks": [
                [
                    "controller": 0, "unitNumber": 0, "fileName": head, "capacityBytes": Self.capacity, "thin": true,
                    "backing": "flat", "parents": parents,
                ],
                ["controller": 1, "unitNumber": 1, "fileName": dataDisk, "capacityBytes": Self.capacity, "thin": true],
            ],
            "nics": [["type": "vmxnet3", "mac": "00:50:56:0a:0b:0c", "network": "VM Network"]],
            "snapshots": ["before-update", "after-update"],
        ]
    }

    /// The same VM as a `.vmx` beside its disks, for comparing the domain XML both paths give.
    func vmx(uuid: String, instanceUUID: String) -> String {
        """
        .encoding = "UTF-8"
        config.version = "8"
        virtualHW.version = "19"
        displayName = "\(name)"
        memSize = "128"
        numvcpus = "2"
        cpuid.coresPerSocket = "2"
        firmware = "bios"
        guestOS = "otherlinux-64"
        uuid.bios = "\(uuid)"
        vc.uuid = "\(instanceUUID)"
        scsi0.present = "TRUE"
        scsi0.virtualDev = "pvscsi"
        scsi0:0.present = "TRUE"
        scsi0:0.fileName = "\(head)"
        sata0.present = "TRUE"
        sata0:1.present = "TRUE"
        sata0:1.fileName = "\(dataDisk)"
        ethernet0.present = "TRUE"
        ethernet0.virtualDev = "vmxnet3"
        ethernet0.networkName = "VM Network"
        ethernet0.addressType = "static"
        ethernet0.address = "00:50:56:0a:0b:0c"
        """
    }
}
