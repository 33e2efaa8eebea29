import ArgumentParser
import Ferry
import FerryServer

extension FerryCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the HTTP API, dashboard and import workers on this host (job queue kept in RADOS).",
            discussion: """
                Listens on server.listen (loopback unless server.allow_insecure_listen: put TLS in front) and
                answers bearer tokens from server.token_file (see `ferry token create`). Prints
                "listening on http://HOST:PORT" once the socket is bound. SIGTERM or SIGINT shut down
                gracefully: the worker drains (imports stop at a checkpoint, jobs go back to the queue),
                then the server finishes the requests in flight.
                """)

        @OptionGroup var service: ServiceOptions

        @Flag(help: "Serve the API and dashboard only; jobs run on `ferry worker` hosts.")
        var noWorkers = false

        func run() async throws {
            LogSetup.bootstrap()
            let server = try APIServer(
                configuration: try service.loadConfiguration(), fallback: service.ceph.clusterConfiguration)
            try await server.run(workers: !noWorkers) { address in
                Output.standardOutput("listening on http://\(address)\n")
            }
        }
    }
}
