import Ferry
import Hummingbird

/// An error answer of the API: a status and one line, sent as `{"error": "…"}` (the
/// `Error` schema of openapi.yaml) whatever the endpoint.
struct APIError: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status: status, ErrorBody(error: message))
        response.headers.append(contentsOf: headers)
        return response
    }

    /// 401 with the `WWW-Authenticate` challenge of RFC 6750 (`invalid_token` when a token
    /// was sent but is unknown, expired or malformed).
    static func unauthorized(_ message: String, invalidToken: Bool = false) -> APIError {
        let challenge = "Bearer realm=\"ferry\"" + (invalidToken ? ", error=\"invalid_token\"" : "")
        return APIError(.unauthorized, message, headers: [.wwwAuthenticate: challenge])
    }

    /// The API form of a queue error: unknown job 404, wrong state 409, busy 503.
    static func from(_ error: JobStoreError) -> APIError {
        switch error.code {
        case .unknownJob: APIError(.notFound, error.message)
        case .invalidState: APIError(.conflict, error.message)
        case .busy: APIError(.serviceUnavailable, error.message, headers: [.retryAfter: "2"])
        default: APIError(.internalServerError, error.message)
        }
    }
}

/// `{"error": "…"}`.
struct ErrorBody: Encodable {
    var error: String
}
