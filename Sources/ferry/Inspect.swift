import ArgumentParser
import Ferry
import Foundation
import VMDK
import VSphere

extension FerryCommand {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a .vmdk, .ova or .vmx holds: format, capacity, allocation, extents, snapshot chain, warnings.",
            discussion: """
                Reads and validates every table; a disk Ferry would refuse to import fails here with the reason.
                For a .vmx: the VM's hardware and every disk it attaches (the newest snapshot's delta is the chain head).
                """
        )

        @Argument(help: "A .vmdk (any VMware form), .ova, .vmx, or vsphere://ENDPOINT/DATACENTER/VM.")
        var path: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        @Option(help: "Additional directories extents and parent disks may live in (datastore roots).")
        var allowRoot: [String] = []

        @Flag(help: "For an .ova: show only its first disk, not the VM its OVF describes.")
        var disksOnly = false

        @OptionGroup var vsphere: VSphereOptions

        func run() async throws {
            try await vsphere.withSessions(for: path) { try await inspect() }
        }

        private func inspect() async throws {
            let kind = try SourceKind.of(path)
            if kind == .vmx || kind == .vsphere || (kind == .ova && !disksOnly) {
                let inspection = try await VMInspection.inspect(anySource: path, options: OpenOptions(allowedRoots: allowRoot))
                try emit(inspection, text: inspection.description)
                if let problem = inspection.disks.compactMap(\.error).first {
                    throw InspectionError(.unusableDisk, problem)
                }
                return
            }
            let disk = try SourceStorage.openDisk(path, options: OpenOptions(allowedRoots: allowRoot))
            try emit(disk.info, text: disk.info.description)
        }

        private func emit(_ value: some Encodable, text: String) throws {
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                Output.standardOutput(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
            } else {
                Output.standardOutput(text + "\n")
            }
        }
    }
}
