import Foundation
import Testing

/// The peer projects' test data (libvirt, virt-v2v, govmomi, Proxmox, …), read in place.
///
/// `FERRY_PEER_DATA` points at it; without it, `../shared/peer-data` next to the repository.
/// A missing folder fails the test rather than skipping it: conformance that silently
/// stops running is worse than none.
enum PeerData {
    static let root: String = {
        if let configured = ProcessInfo.processInfo.environment["FERRY_PEER_DATA"], !configured.isEmpty {
            return configured
        }
        // Tests/VMwareConfigTests/Support/PeerData.swift → the repository root, symlinks resolved
        // so the dev package and the main package agree.
        let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared/peer-data").path
    }()

    /// The absolute path of `relative` inside the peer data; records an issue if absent.
    static func path(_ relative: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let full = (root as NSString).appendingPathComponent(relative)
        if !FileManager.default.fileExists(atPath: full) {
            Issue.record(
                "peer data \(full) is missing; set FERRY_PEER_DATA to the peer-data folder",
                sourceLocation: sourceLocation)
        }
        return full
    }

    static func text(_ relative: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative, sourceLocation: sourceLocation)))
        return String(decoding: data, as: UTF8.self)
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }

    /// Tab-separated rows of an index file, header row dropped, as column-name dictionaries.
    static func table(_ relative: String) throws -> [[String: String]] {
        let lines = try text(relative).split(separator: "\n").map(String.init)
        guard let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        else { return [] }
        return lines.dropFirst().map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (index, name) in header.enumerated() { row[name] = index < fields.count ? fields[index] : "" }
            return row
        }
    }
}
