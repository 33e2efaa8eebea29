import Foundation

/// A temporary folder for one test's fixtures, removed when the test ends.
final class Scratch {
    let path: String

    init(_ label: String = #function) throws {
        let name = "ferry-vmdk-\(label.filter { $0.isLetter || $0.isNumber }.prefix(40))-\(UUID().uuidString.prefix(8))"
        path = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    func write(_ name: String, text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    }

    func read(_ name: String) throws -> [UInt8] { try readFile(file(name)) }
}

func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Overwrites bytes of a file in place (the iotests' `poke_file`).
func poke(_ path: String, at offset: UInt64, _ bytes: [UInt8]) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: offset)
    try handle.write(contentsOf: Data(bytes))
}

func pokeLE32(_ path: String, at offset: UInt64, _ value: UInt32) throws {
    try poke(path, at: offset, withUnsafeBytes(of: value.littleEndian) { Array($0) })
}

func pokeLE64(_ path: String, at offset: UInt64, _ value: UInt64) throws {
    try poke(path, at: offset, withUnsafeBytes(of: value.littleEndian) { Array($0) })
}

func truncateFile(_ path: String, to size: UInt64) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.truncate(atOffset: size)
}

func fileSize(_ path: String) throws -> UInt64 {
    (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
}

/// Deterministic pseudo-random bytes (xorshift), so a failing comparison is reproducible
/// and every fixture region is recognisably different from every other.
func patternBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var out = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        out[index] = UInt8(truncatingIfNeeded: state >> 24)
    }
    return out
}
