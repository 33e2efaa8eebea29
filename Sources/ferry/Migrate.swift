import ArgumentParser
import Ferry

extension FerryCommand {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Migrate a VMware VM (.vmx or .ova): import its disks into RBD and define a libvirt domain.",
            discussion: "Disks become RBD network disks with a cephx secret; the domain is defined, not started, unless --start."
        )

        @Argument(help: "The VM's .vmx file or .ova package.")
        var source: String

        @Option(help: "Target RBD pool.")
        var pool: String

        @Option(help: "Cluster node (from the nodes configuration) to define the domain on.")
        var node: String?

        @Flag(help: "Start the domain after defining it.")
        var start = false

        @Flag(help: "Print the plan and the domain XML without touching anything.")
        var dryRun = false

        @OptionGroup var ceph: CephOptions

        func run() async throws {
            throw FerryFailure.notImplemented("migrate")
        }
    }
}
