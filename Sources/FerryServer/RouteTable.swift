import Hummingbird

/// One operation of the API, as openapi.yaml lists it.
struct Route: Sendable {
    typealias Handler = @Sendable (Request, APIContext, Principal?) async throws -> Response

    var method: HTTPRequest.Method
    /// Hummingbird's template, the same as the OpenAPI path (`/api/v1/jobs/{id}`).
    var path: String
    var access: Access
    var handler: Handler
}

/// Puts routes on the router with their access rule, and answers the methods a path does
/// not have: 405 with `Allow` (RFC 9110), where Hummingbird alone would say 404 as if
/// the path did not exist; OPTIONS 204 with `Allow`; HEAD wherever GET is (router option).
enum RouteTable {
    /// The methods clients and API checkers try beyond the declared ones.
    static let otherMethods: [HTTPRequest.Method] =
        [.get, .head, .post, .put, .delete, .patch, .trace] + (HTTPRequest.Method("QUERY").map { [$0] } ?? [])

    static func register(_ routes: [Route], on router: Router<APIContext>, authenticator: TokenAuthenticator) {
        for route in routes {
            router.on(RouterPath(route.path), method: route.method) { request, context in
                var principal: Principal?
                if case .token(let role) = route.access {
                    principal = try authenticator.authorize(request, for: role)
                }
                return try await route.handler(request, context, principal)
            }
        }
        var paths: [String] = []
        for route in routes where !paths.contains(route.path) { paths.append(route.path) }
        for path in paths {
            let declared = routes.filter { $0.path == path }.map(\.method)
            let allowed = declared + (declared.contains(.get) ? [.head] : []) + [.options]
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            router.on(RouterPath(path), method: .options) { _, _ in
                Response(status: .noContent, headers: [.allow: allow])
            }
            for method in otherMethods where !allowed.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw APIError(
                        .methodNotAllowed, "\(method.rawValue) is not allowed on \(path) (allowed: \(allow))",
                        headers: [.allow: allow])
                }
            }
        }
    }
}
