import ArgumentParser
import Ferry
import FerryBasics

#if canImport(Glibc)
import Glibc
#endif

/// `ferry`: moves VMware disks and VMs onto Ceph RBD and libvirt/KVM.
@main
struct FerryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Move VMware disks and virtual machines onto Ceph RBD and libvirt/KVM.",
        discussion: """
            Ceph access follows the rbd CLI: CEPH_CONF or --conf, --id, --keyring.
            Every failure is reported as one line on standard error with a non-zero exit status.
            """,
        version: FerryVersion.string,
        subcommands: [
            Inspect.self, ImportDisk.self, Migrate.self, Serve.self, Worker.self, Run.self, Submit.self, Jobs.self,
            Plan.self, Token.self, VSphere.self,
        ]
    )

    /// Parses and runs the command; errors from Ferry's layers (every one a `ReportableError`)
    /// become one line on stderr; ArgumentParser's own (usage, --help) are printed its way.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as any ReportableError {
            fail(error.reportLine, status: error.exitStatus)
        } catch {
            exit(withError: error)
        }
    }

    /// One line on stderr (never mixed into `--json` output on stdout), then the error's status.
    private static func fail(_ line: String, status: Int32) -> Never {
        Output.standardError("ferry: \(line)\n")
        Glibc.exit(status)
    }
}
