import ArgumentParser
import Ferry

extension FerryCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the HTTP API, dashboard and import workers on this host (job queue kept in RADOS).")

        @Option(help: "Service configuration file (YAML).")
        var config: String

        func run() async throws { throw FerryFailure.notImplemented("serve") }
    }
}
