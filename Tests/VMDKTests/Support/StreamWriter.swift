import CDeflate
import Foundation

@testable import VMDK

/// Writes a streamOptimized VMDK the way VMware's exporters do (qemu-img writes a
/// different layout): header with gdOffset = GD_AT_END, embedded descriptor, grains each
/// behind a marker, grain tables behind GT markers, the grain directory behind a GD
/// marker, then footer marker, footer header and end-of-stream marker.
struct StreamWriter {
    /// A VMware-layout stream (GT markers after their grains, GD and footer at the end) of
    /// a disk ending mid-grain: patterned grains 0 and 5, a short grain 1, a partial grain 10.
    static func vmwareLayoutSample(fullLastGrain: Bool) -> StreamWriter {
        var writer = StreamWriter(capacity: 10 * 65536 + 4096)
        writer.fullLastGrain = fullLastGrain
        writer.grains = [
            0: patternBytes(count: 65536, seed: 1), 1: [UInt8](repeating: 0x42, count: 100),
            5: patternBytes(count: 65536, seed: 5), 10: patternBytes(count: 4096, seed: 10),
        ]
        return writer
    }

    var capacity: UInt64  // bytes, a multiple of 512
    var grainSize: UInt64 = 65536
    /// Grain index → its content (at most `grainSize` bytes; shorter is zero-padded
    /// unless it is the last grain of a disk that ends mid-grain).
    var grains: [Int: [UInt8]] = [:]
    var cid: UInt32 = 0x1234_abcd
    var version: UInt32 = 3
    /// Test hooks to produce specific corruptions.
    var corruptLBA: Int?
    /// A grain whose marker LBA is moved off the grain boundary by one sector.
    var misalignLBA: Int?
    var corruptDeflate: Int?
    var sizeOverride: (grain: Int, size: UInt32)?
    /// Write the last grain at its full grain size even when the disk ends inside it.
    var fullLastGrain = true
    /// The order grain markers are written in (repeats allowed); nil: increasing. The grain
    /// table points at a grain's last marker.
    var markerOrder: [Int]?
    /// Grain table entries to overwrite after the grains are written: grain → sector.
    var tableOverrides: [Int: UInt32] = [:]

    func descriptor() -> String {
        """
        # Disk DescriptorFile
        version=1
        CID=\(String(cid, radix: 16))
        parentCID=ffffffff
        createType="streamOptimized"

        # Extent description
        RW \(capacity / 512) SPARSE "stream.vmdk"

        # The Disk Data Base
        #DDB

        ddb.adapterType = "lsilogic"
        ddb.virtualHWVersion = "8"

        """
    }

    func header(gdOffset: UInt64, overhead: UInt64) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put32(_ o: Int, _ v: UInt32) {
            withUnsafeBytes(of: v.littleEndian) { h.replaceSubrange(o..<(o + 4), with: $0) }
        }
        func put64(_ o: Int, _ v: UInt64) {
            withUnsafeBytes(of: v.littleEndian) { h.replaceSubrange(o..<(o + 8), with: $0) }
        }
        h.replaceSubrange(0..<4, with: Array("KDMV".utf8))
        put32(4, version)
        put32(8, 0x30001)
        put64(12, capacity / 512)
        put64(20, grainSize / 512)
        put64(28, 1)
        put64(36, 2)
        put32(44, 512)
        put64(48, 0)
        put64(56, gdOffset)
        put64(64, overhead)
        h[73] = 0x0a
        h[74] = 0x20
        h[75] = 0x0d
        h[76] = 0x0a
        h[77] = 1
        return h
    }

    static func marker(value: UInt64, type: UInt32) -> [UInt8] {
        var m = [UInt8](repeating: 0, count: 512)
        withUnsafeBytes(of: value.littleEndian) { m.replaceSubrange(0..<8, with: $0) }
        withUnsafeBytes(of: type.littleEndian) { m.replaceSubrange(12..<16, with: $0) }
        return m
    }

    func build() -> [UInt8] {
        let grainSectors = grainSize / 512
        let grainCount = Int((capacity + grainSize - 1) / grainSize)
        let tableCount = (grainCount + 511) / 512
        let overhead: UInt64 = 128
        var file = header(gdOffset: UInt64.max, overhead: overhead)
        var desc = Array(descriptor().utf8)
        desc += [UInt8](repeating: 0, count: 1024 - desc.count)
        file += desc
        file += [UInt8](repeating: 0, count: Int(overhead * 512) - file.count)
        func pad() { file += [UInt8](repeating: 0, count: (512 - file.count % 512) % 512) }

        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 512), count: tableCount)
        for grain in markerOrder ?? grains.keys.sorted() {
            var content = grains[grain]!
            let grainStart = UInt64(grain) * grainSize
            let full = Int(fullLastGrain ? grainSize : min(grainSize, capacity - grainStart))
            content += [UInt8](repeating: 0, count: full - content.count)
            var compressed = deflate(content)
            if corruptDeflate == grain { compressed[compressed.count / 2] ^= 0xff }
            tables[grain / 512][grain % 512] = UInt32(file.count / 512)
            var lba = UInt64(grain) * grainSectors
            if corruptLBA == grain { lba += grainSectors }
            if misalignLBA == grain { lba += 1 }
            var size = UInt32(compressed.count)
            if let override = sizeOverride, override.grain == grain { size = override.size }
            withUnsafeBytes(of: lba.littleEndian) { file += $0 }
            withUnsafeBytes(of: size.littleEndian) { file += $0 }
            file += compressed
            pad()
        }
        for (grain, sector) in tableOverrides { tables[grain / 512][grain % 512] = sector }
        var directory = [UInt32](repeating: 0, count: tableCount)
        for (index, table) in tables.enumerated() {
            file += Self.marker(value: 4, type: 1)
            directory[index] = UInt32(file.count / 512)
            for entry in table { withUnsafeBytes(of: entry.littleEndian) { file += $0 } }
        }
        let directorySectors = UInt64((tableCount * 4 + 511) / 512)
        file += Self.marker(value: directorySectors, type: 2)
        let gdOffset = UInt64(file.count / 512)
        for entry in directory { withUnsafeBytes(of: entry.littleEndian) { file += $0 } }
        pad()
        file += Self.marker(value: 1, type: 3)
        file += header(gdOffset: gdOffset, overhead: overhead)
        file += Self.marker(value: 0, type: 0)
        return file
    }

    /// zlib stream of `data` (libdeflate, level 6).
    func deflate(_ data: [UInt8]) -> [UInt8] {
        let compressor = libdeflate_alloc_compressor(6)!
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_zlib_compress_bound(compressor, data.count)
        var out = [UInt8](repeating: 0, count: bound)
        let written = data.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                libdeflate_zlib_compress(compressor, input.baseAddress, input.count, output.baseAddress, output.count)
            }
        }
        return Array(out[0..<written])
    }
}
