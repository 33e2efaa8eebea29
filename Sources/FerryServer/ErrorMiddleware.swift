import Ferry
import Hummingbird
import Logging

/// Turns every error a route throws into the API's error form (`{"error": "…"}`) with the
/// right status, so no answer of the server has another shape — Hummingbird's own 404
/// included. Unexpected errors are logged and answered 500 with their one-line text.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try Self.apiError(for: error, request: request, context: context).response(
                from: request, context: context)
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }

    static func apiError(for error: any Error, request: Request, context: APIContext) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as JobStoreError:
            return APIError.from(error)
        case let error as PlanError:
            return APIError(.badRequest, error.description)
        case let error as HTTPError where error.status == .notFound:
            return APIError(.notFound, "no route \(request.method.rawValue) \(request.uri.path)")
        case let error as any HTTPResponseError:
            return APIError(error.status, "\(error.status.code) \(error.status.reasonPhrase)")
        default:
            context.logger.error("\(request.method.rawValue) \(request.uri.path) failed: \(error)")
            return APIError(.internalServerError, String(describing: error))
        }
    }
}

/// Counts answers in `ferry_http_requests_total` by route template and status.
struct RequestCounter: RouterMiddleware {
    typealias Context = APIContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        let response = try await next(request, context)
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        metrics.recordRequest(route: route, status: response.status.code)
        return response
    }
}
