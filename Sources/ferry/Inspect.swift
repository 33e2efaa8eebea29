import ArgumentParser
import Ferry
import Foundation
import VMDK

extension FerryCommand {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a .vmdk or .ova holds: format, capacity, allocation, extents, snapshot chain, warnings.",
            discussion: "Reads and validates every table; a disk Ferry would refuse to import fails here with the reason."
        )

        @Argument(help: "A .vmdk (any VMware form) or .ova.")
        var path: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        @Option(help: "Additional directories extents and parent disks may live in (datastore roots).")
        var allowRoot: [String] = []

        func run() async throws {
            let disk = try VirtualDisk.open(path, options: OpenOptions(allowedRoots: allowRoot))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(disk.info), as: UTF8.self))
            } else {
                print(disk.info.description)
            }
        }
    }
}
