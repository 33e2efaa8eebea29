import Foundation

/// Writers for ESXi snapshot deltas, which qemu-img can read but not create.
public enum DeltaWriter {
    private static func put32(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + 4), with: $0) }
    }

    private static func put64(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + 8), with: $0) }
    }

    /// A vmfsSparse (COWD) delta: 2048-byte header, GD at sector 4, 4096-entry grain
    /// tables only where grains exist, then grains in the order given.
    public static func cowd(capacitySectors: UInt32, grainSectors: UInt32 = 1, grains: [(index: Int, data: [UInt8])])
        -> [UInt8]
    {
        let perTable = 4096
        let grainBytes = Int(grainSectors) * 512
        let tableCount = (Int(capacitySectors) + Int(grainSectors) * perTable - 1) / (Int(grainSectors) * perTable)
        let directorySectors = (tableCount * 4 + 511) / 512
        var file = [UInt8](repeating: 0, count: 2048 + directorySectors * 512)
        file.replaceSubrange(0..<4, with: Array("COWD".utf8))
        put32(&file, 4, 1)
        put32(&file, 8, 3)
        put32(&file, 12, capacitySectors)
        put32(&file, 16, grainSectors)
        put32(&file, 20, 4)
        put32(&file, 24, UInt32(tableCount))
        file.replaceSubrange(32..<41, with: Array("base.vmdk".utf8))
        var tableSector: [Int: Int] = [:]
        for table in Set(grains.map { $0.index / perTable }).sorted() {
            tableSector[table] = file.count / 512
            put32(&file, 2048 + table * 4, UInt32(file.count / 512))
            file += [UInt8](repeating: 0, count: perTable * 4)
        }
        for (index, data) in grains {
            let sector = file.count / 512
            let table = tableSector[index / perTable]!
            put32(&file, table * 512 + (index % perTable) * 4, UInt32(sector))
            file += data + [UInt8](repeating: 0, count: grainBytes - data.count)
        }
        put32(&file, 28, UInt32(file.count / 512))
        return file
    }

    public enum SEGrain {
        case data([UInt8], physical: UInt64)
        case zero
        case unmapped
    }

    /// A seSparse delta: const header, volatile header, journal stubs, then the grain
    /// directory, grain-table and grain regions. Tables are stored in reverse order and
    /// grains at the given physical grain numbers, so the directory indirection and the
    /// split grain-number encoding are both exercised.
    public static func seSparse(capacitySectors: UInt64, grains: [Int: SEGrain]) -> [UInt8] {
        let perTable = 4096
        let grainCount = Int((capacitySectors + 7) / 8)
        let tableCount = (grainCount + perTable - 1) / perTable
        let directorySectors = UInt64(max(1, (tableCount * 8 + 511) / 512))
        let usedTables = Set(grains.keys.map { $0 / perTable }).sorted()
        let directoryStart: UInt64 = 4
        let tablesStart = directoryStart + directorySectors
        let tablesSectors = UInt64(usedTables.count) * 64
        let grainsStart = tablesStart + tablesSectors
        let highest =
            grains.values.compactMap { grain -> UInt64? in
                if case .data(_, let physical) = grain { return physical }
                return nil
            }.max() ?? 0
        let grainsSectors = (highest + 1) * 8
        var file = [UInt8](repeating: 0, count: Int(grainsStart * 512))
        put64(&file, 0, 0xcafe_babe)
        put64(&file, 8, 0x0000_0002_0000_0001)
        put64(&file, 16, capacitySectors)
        put64(&file, 24, 8)
        put64(&file, 32, 64)
        put64(&file, 80, 1)  // volatile header
        put64(&file, 88, 1)
        put64(&file, 96, 2)  // journal header
        put64(&file, 104, 1)
        put64(&file, 112, 3)  // journal
        put64(&file, 120, 1)
        put64(&file, 128, directoryStart)
        put64(&file, 136, directorySectors)
        put64(&file, 144, tablesStart)
        put64(&file, 152, tablesSectors)
        put64(&file, 192, grainsStart)
        put64(&file, 200, grainsSectors)
        put64(&file, 512, 0xcafe_cafe)
        for (slot, table) in usedTables.reversed().enumerated() {
            put64(&file, Int(directoryStart) * 512 + table * 8, 0x1000_0000_0000_0000 | UInt64(slot))
            let tableBase = Int(tablesStart) * 512 + slot * perTable * 8
            for (index, grain) in grains where index / perTable == table {
                let entry: UInt64
                switch grain {
                case .zero: entry = 0x2000_0000_0000_0000
                case .unmapped: entry = 0x1000_0000_0000_0000
                case .data(_, let physical):
                    entry = 0x3000_0000_0000_0000 | ((physical & 0xfff) << 48) | (physical >> 12)
                }
                put64(&file, tableBase + (index % perTable) * 8, entry)
            }
        }
        file += [UInt8](repeating: 0, count: Int(grainsSectors) * 512)
        for grain in grains.values {
            if case .data(let bytes, let physical) = grain {
                let at = Int(grainsStart * 512 + physical * 4096)
                file.replaceSubrange(at..<(at + bytes.count), with: bytes)
            }
        }
        return file
    }
}
