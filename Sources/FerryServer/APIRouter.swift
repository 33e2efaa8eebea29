import Ferry
import Hummingbird
import Logging

/// The API's router: the error and request-counting middleware and every route with its
/// access rule. `APIServer` serves it over its socket; the in-process tests drive the same
/// router with a queue in memory, so what they check is what `ferry serve` answers.
enum APIRouter {
    /// - Parameters:
    ///   - queue: the job queue the handlers read and change.
    ///   - watcher: the snapshots live event streams send (it need not run for other routes).
    static func make(
        configuration: ServiceConfiguration, queue: QueueAccess, authenticator: TokenAuthenticator,
        metrics: ServerMetrics, watcher: JobWatcher, logger: Logger
    ) -> Router<APIContext> {
        let router = Router(context: APIContext.self, options: [.autoGenerateHeadEndpoints])
        router.add(middleware: RequestCounter(metrics: metrics))
        router.add(middleware: ErrorMiddleware())
        let routes = routes(
            configuration: configuration, queue: queue, metrics: metrics, watcher: watcher, logger: logger)
        RouteTable.register(routes, on: router, authenticator: authenticator)
        return router
    }

    /// Every operation of the API (what openapi.yaml must list): the queue's and the service's.
    static func routes(
        configuration: ServiceConfiguration, queue: QueueAccess, metrics: ServerMetrics, watcher: JobWatcher,
        logger: Logger
    ) -> [Route] {
        let jobs = JobRoutes(
            configuration: configuration, queue: queue, maxBodyBytes: configuration.server.maxBodyKiB * 1024,
            logger: logger)
        let service = ServiceRoutes(
            queue: queue, queueName: "\(configuration.queue.pool)/\(configuration.queue.namespace)", metrics: metrics,
            events: EventStream(watcher: watcher))
        return jobs.routes + service.routes
    }
}
