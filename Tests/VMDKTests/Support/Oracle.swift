import Foundation
import Testing

@testable import VMDK

/// Reads the whole disk through Ferry.
func readAll(_ disk: VirtualDisk, chunk: Int = 1 << 20) throws -> [UInt8] {
    var result = [UInt8](repeating: 0xA5, count: Int(disk.capacity))
    var failure: VMDKError?
    result.withUnsafeMutableBytes { raw in
        var offset = 0
        while offset < raw.count {
            let count = min(chunk, raw.count - offset)
            do throws(VMDKError) {
                try disk.read(
                    into: UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + count)]), at: UInt64(offset))
            } catch {
                failure = error
                return
            }
            offset += count
        }
    }
    if let failure { throw failure }
    return result
}

func readRange(_ disk: VirtualDisk, _ offset: UInt64, _ count: Int) throws -> [UInt8] {
    var result = [UInt8](repeating: 0x5A, count: count)
    var failure: VMDKError?
    result.withUnsafeMutableBytes { raw in
        do throws(VMDKError) { try disk.read(into: raw, at: offset) } catch { failure = error }
    }
    if let failure { throw failure }
    return result
}

/// Compares two byte arrays and reports the first difference instead of dumping both.
func expectSameBytes(
    _ actual: [UInt8], _ expected: [UInt8], _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(what): length \(actual.count) ≠ expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    if actual == expected { return }
    let first = actual.indices.first { actual[$0] != expected[$0] }!
    Issue.record(
        "\(what): first difference at byte \(first) (0x\(String(first, radix: 16))): got \(actual[first]), expected \(expected[first])",
        sourceLocation: sourceLocation)
}

/// The oracle check every format test runs: the whole disk and a set of unaligned
/// sub-ranges read through Ferry equal `qemu-img convert -O raw` of the same image, and
/// the allocation map is well-formed.
@discardableResult
func checkAgainstQemu(
    _ image: String, scratch: Scratch, options: OpenOptions = .init(), qemuImage: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> (VirtualDisk, [UInt8]) {
    let disk = try VirtualDisk.open(image, options: options)
    let expected = try Tool.qemuRaw(qemuImage ?? image, scratch: scratch)
    #expect(disk.capacity == UInt64(expected.count), "capacity", sourceLocation: sourceLocation)
    let actual = try readAll(disk)
    expectSameBytes(actual, expected, "\(image) whole disk", sourceLocation: sourceLocation)
    let size = expected.count
    let probes: [(Int, Int)] = [
        (0, 1), (1, 3), (511, 2), (4095, 4098), (65535, 2), (65536 - 100, 70_000), (size / 3 + 17, 100_001),
        (size - 1, 1), (max(0, size - 70_001), 70_001), (size / 2 - 513, 1025),
    ]
    for (offset, count) in probes where offset >= 0 && offset + count <= size && count > 0 {
        let got = try readRange(disk, UInt64(offset), count)
        expectSameBytes(
            got, Array(expected[offset..<(offset + count)]), "range \(offset)+\(count)", sourceLocation: sourceLocation)
    }
    try checkMapInvariants(disk, sourceLocation: sourceLocation)
    // Data outside `data` runs must read as zeros (the importer skips those ranges).
    for run in try disk.allocationMap() where run.kind != .data {
        let slice = expected[Int(run.offset)..<Int(run.end)]
        #expect(
            slice.allSatisfy { $0 == 0 }, "\(run.kind) run at \(run.offset) holds non-zero bytes",
            sourceLocation: sourceLocation)
    }
    return (disk, actual)
}

/// Ordered, contiguous, covering `[0, capacity)`, merged; totals in `info` agree.
func checkMapInvariants(_ disk: VirtualDisk, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let map = try disk.allocationMap()
    var position: UInt64 = 0
    var previous: AllocationKind?
    for run in map {
        #expect(
            run.offset == position, "run starts at \(run.offset), expected \(position)", sourceLocation: sourceLocation)
        #expect(run.length > 0, sourceLocation: sourceLocation)
        #expect(run.kind != previous, "adjacent runs of the same kind at \(run.offset)", sourceLocation: sourceLocation)
        previous = run.kind
        position = run.end
    }
    #expect(
        position == disk.capacity, "map ends at \(position), capacity \(disk.capacity)", sourceLocation: sourceLocation)
    let total = disk.info.allocatedBytes + disk.info.zeroBytes + disk.info.unallocatedBytes
    #expect(total == disk.capacity, sourceLocation: sourceLocation)
}

/// The kind of the run that contains `offset`.
func kind(at offset: UInt64, in map: [AllocationRun]) -> AllocationKind? {
    map.first { $0.offset <= offset && offset < $0.end }?.kind
}

/// Expects `VirtualDisk.open` to fail with `code`; returns the error for further checks.
@discardableResult
func expectOpenFails(
    _ path: String, _ code: VMDKError.Code, options: OpenOptions = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) -> VMDKError? {
    do {
        let disk = try VirtualDisk.open(path, options: options)
        Issue.record("\(path) opened, expected \(code); info: \(disk.info.createType)", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    }
}

/// qemu refuses valid ESXi createTypes (vmfsThin, vmfsPreallocated, vmfsEagerZeroedThick,
/// custom). For the oracle, a copy of the descriptor next to it says `createType` instead.
func qemuReadableCopy(_ descriptor: String, createType: String) throws -> String {
    let text = try String(contentsOfFile: descriptor, encoding: .utf8)
    let copy = descriptor.replacingOccurrences(of: ".vmdk", with: "-for-qemu.vmdk")
    let rewritten = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        line.hasPrefix("createType=") ? "createType=\"\(createType)\"" : String(line)
    }.joined(separator: "\n")
    try Data(rewritten.utf8).write(to: URL(fileURLWithPath: copy))
    return copy
}
