import Ceph
import Ferry
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `ferry serve`: the HTTP API, the dashboard and (unless turned off) an import worker in
/// one process, run as services of one ServiceGroup. SIGTERM or SIGINT shut it down
/// gracefully, last service first: the worker drains (imports stop at a checkpoint, jobs
/// go back to the queue, leases are released), then the job watcher stops, then the HTTP
/// server stops accepting, ends open event streams and finishes the requests in flight.
public struct APIServer: Sendable {
    public let configuration: ServiceConfiguration
    public let runtime: ServiceRuntime
    public let address: ListenAddress
    let authenticator: TokenAuthenticator
    let logger: Logger

    /// Checks what can be checked before anything listens, then connects to the cluster.
    /// - Parameter fallback: Ceph options of the command line, where the file says nothing.
    /// - Throws: `ServerError` for a listen address beyond loopback without
    ///   `allow_insecure_listen`, a missing `token_file` or one that cannot be read (all
    ///   before connecting); then what connecting to the cluster throws.
    public init(
        configuration: ServiceConfiguration, fallback: ClusterConfiguration,
        logger: Logger = Logger(label: "ferry.server")
    ) throws {
        self.configuration = configuration
        self.logger = logger
        address = try ListenAddress.checked(configuration)
        guard let tokenFile = configuration.server.tokenFile else {
            throw ServerError(
                .tokenFile,
                "\(configuration.source): server.token_file is not set; create one with "
                    + "`ferry token create --role admin --name NAME --file FILE` and name it there")
        }
        if TokenFile.isExposed(path: tokenFile) {
            logger.warning("the token file \(tokenFile) is readable by group or others; chmod 600 it")
        }
        authenticator = try TokenAuthenticator(path: tokenFile, logger: logger)
        runtime = try ServiceRuntime(configuration: configuration, fallback: fallback)
        if let warning = runtime.cluster.keyringExposureWarning() { logger.warning("\(warning)") }
    }

    /// Runs until SIGTERM/SIGINT.
    /// - Parameters:
    ///   - workers: run an import worker in this process too.
    ///   - onListening: called once the socket is bound, with the port the kernel chose for port 0.
    /// - Throws: `ServerError.listenFailed` when the address cannot be bound; errors of the
    ///   worker's set-up (node inventory).
    public func run(workers: Bool, onListening: @escaping @Sendable (ListenAddress) -> Void = { _ in }) async throws {
        let metrics = ServerMetrics()
        let queue = QueueAccess(store: runtime.store)
        let watcher = JobWatcher(queue: queue, logger: logger, onJobError: { metrics.recordJobError() })
        let router = APIRouter.make(
            configuration: configuration, queue: queue, authenticator: authenticator, metrics: metrics,
            watcher: watcher, logger: logger)

        let address = address
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                var bound = address
                bound.port = channel.localAddress?.port ?? address.port
                onListening(bound)
            },
            logger: logger)

        var services: [any Service] = [application, watcher]
        if workers {
            let worker = try runtime.worker(
                logger: Logger(label: "ferry.worker"), onImported: { metrics.recordImported($0) })
            services.append(WorkerService(worker: worker))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as ServerError {
            throw error
        } catch {
            // Binding is the one thing that fails at start; NIO's text names the syscall and errno.
            throw ServerError(.listenFailed, "cannot listen on \(address): \(error)")
        }
    }
}
