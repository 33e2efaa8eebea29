import Hummingbird

/// The per-request context of the API: Hummingbird's core storage only; who is calling is
/// established by each route's access rule (see `Access`), not carried here.
struct APIContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }
}
