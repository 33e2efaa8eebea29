import Ceph
import Foundation
import TestSupport
import VMDK

/// VMDK fixtures written by qemu-img/qemu-io, and the oracle: qemu-img's raw conversion.
enum ImportFixtures {
    /// Writes recognisable data at scattered offsets, a zeroed range inside allocated grains,
    /// and data straddling a 4 MiB object boundary.
    /// Subformats qemu cannot write in place (streamOptimized only appends grains) are made
    /// by converting a monolithicSparse disk, as VMware's exports are made from live disks.
    static func makeDisk(_ path: String, subformat: String, size: String = "96M") throws {
        if subformat == "streamOptimized" {
            let source = path + ".source.vmdk"
            try makeDisk(source, subformat: "monolithicSparse", size: size)
            defer { try? FileManager.default.removeItem(atPath: source) }
            try Command.run(["qemu-img", "convert", "-f", "vmdk", "-O", "vmdk", "-o", "subformat=streamOptimized", source, path])
            return
        }
        try Command.run(["qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=\(subformat)", path, size])
        try Command.run([
            "qemu-io", "-f", "vmdk",
            "-c", "write -P 0x11 0 1M",
            "-c", "write -P 0x22 4190208 8192",  // across the first object boundary
            "-c", "write -P 0x33 20M 3M",
            "-c", "write -z 21M 1M",  // zeros inside allocated data
            "-c", "write -P 0x44 61M 333k",
            "-c", "write -P 0x55 95M 1M",
            path,
        ])
    }

    /// sha256 of `qemu-img convert -O raw` of the fixture: what the RBD image must equal.
    static func oracleDigest(_ path: String, in directory: URL) throws -> String {
        let raw = directory.appendingPathComponent("oracle.raw").path
        try Command.run(["qemu-img", "convert", "-f", "vmdk", "-O", "raw", path, raw])
        defer { try? FileManager.default.removeItem(atPath: raw) }
        return try digest(ofFile: raw)
    }

    static func digest(ofFile path: String) throws -> String {
        String(decoding: try Command.run(["sha256sum", path]), as: UTF8.self).split(separator: " ")[0].description
    }

    /// sha256 of `rbd export` of the image.
    static func imageDigest(_ spec: String, in directory: URL) throws -> String {
        let raw = directory.appendingPathComponent("export.raw").path
        try Command.run(["rbd", "export", "--no-progress", spec, raw])
        defer { try? FileManager.default.removeItem(atPath: raw) }
        return try digest(ofFile: raw)
    }

    /// A VMX as vSphere writes one: SCSI boot disk `NAME.vmdk` on an LSI Logic controller,
    /// SATA disk `data.vmdk`, a vmxnet3 NIC on "VM Network" with a static MAC.
    static func vmx(name: String, memoryMiB: Int, vcpus: Int, coresPerSocket: Int) -> String {
        """
        .encoding = "UTF-8"
        config.version = "8"
        virtualHW.version = "14"
        displayName = "\(name)"
        memSize = "\(memoryMiB)"
        numvcpus = "\(vcpus)"
        cpuid.coresPerSocket = "\(coresPerSocket)"
        guestOS = "otherlinux-64"
        uuid.bios = "42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8"
        scsi0.present = "TRUE"
        scsi0.virtualDev = "lsilogic"
        scsi0:0.present = "TRUE"
        scsi0:0.fileName = "\(name).vmdk"
        sata0.present = "TRUE"
        sata0:1.present = "TRUE"
        sata0:1.fileName = "data.vmdk"
        ethernet0.present = "TRUE"
        ethernet0.virtualDev = "vmxnet3"
        ethernet0.networkName = "VM Network"
        ethernet0.addressType = "static"
        ethernet0.address = "00:50:56:01:02:03"
        """
    }

    static func removeImage(_ pool: IOContext, _ name: String) {
        try? pool.removeImage(name, purgingSnapshots: true)
    }
}

/// A reader that fails after a number of reads, standing in for a crash mid-import.
struct FailingReader: DiskReader {
    let inner: any DiskReader
    let failAfter: Int
    let counter = ReadCounter()

    var capacity: UInt64 { inner.capacity }
    func allocationMap() throws -> [AllocationRun] { try inner.allocationMap() }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws {
        if counter.next() >= failAfter {
            throw VMDKError(.io, file: "failing-reader", offset: offset, "injected read failure")
        }
        try inner.read(into: buffer, at: offset)
    }
}

final class ReadCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count - 1
    }
}
