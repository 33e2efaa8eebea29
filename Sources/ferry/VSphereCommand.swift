import ArgumentParser
import Ferry
import Foundation
import VSphere

extension FerryCommand {
    struct VSphere: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vsphere",
            abstract: "Read ESXi and vCenter inventories through the vSphere API.",
            subcommands: [List.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "ls",
                abstract: "List the VMs of an ESXi host or vCenter: power, vCPUs, memory, disks, snapshots, and what Ferry would refuse.",
                discussion: """
                    ENDPOINT is the host (HOST or HOST:PORT); its SDK is https://ENDPOINT/sdk unless --vsphere-sdk-url says otherwise.
                    Each VM's source for migrate is shown as vsphere://ENDPOINT/DATACENTER/VM.
                    """)

            @Argument(help: "The ESXi host or vCenter (HOST or HOST:PORT).")
            var endpoint: String

            @Flag(help: "Print JSON (documented in README) instead of a table.")
            var json = false

            @OptionGroup var vsphere: VSphereOptions

            func run() async throws {
                var listing: [VSphereListing.Entry] = []
                try await vsphere.withSessions(for: endpoint, bareEndpoint: true) {
                    listing = try await VSphereListing.read(endpoint: endpoint)
                }
                if json {
                    Output.json(listing)
                } else {
                    Output.standardOutput(VSphereListing.table(listing))
                }
            }
        }
    }
}
