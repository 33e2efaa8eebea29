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

    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run import workers only, sharing the RADOS job queue with other hosts.")

        @Option(help: "Service configuration file (YAML).")
        var config: String

        func run() async throws { throw FerryFailure.notImplemented("worker") }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a migration plan (YAML) to the job queue.")

        @Argument(help: "The plan file.")
        var plan: String

        func run() async throws { throw FerryFailure.notImplemented("submit") }
    }

    struct Jobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, show, cancel or retry jobs in the queue, or read their logs.")

        @Argument(help: "list | show ID | cancel ID | retry ID | logs ID")
        var action: [String] = ["list"]

        func run() async throws { throw FerryFailure.notImplemented("jobs") }
    }
}
