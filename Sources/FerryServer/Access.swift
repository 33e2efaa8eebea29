import Foundation
import Hummingbird

/// Who may call a route: anyone (the dashboard page, the API description, health), or
/// holders of a bearer token with at least a role.
enum Access: Sendable, Equatable {
    case open
    case token(Role)
}

extension TokenAuthenticator {
    /// The caller of `request`, if its `Authorization: Bearer` token grants `role`.
    /// - Throws: `APIError` 401 (no token, unknown or expired token; with `WWW-Authenticate`)
    ///   or 403 (a valid token whose role is too small).
    func authorize(_ request: Request, for role: Role) throws(APIError) -> Principal {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized(
                "this needs a bearer token (Authorization: Bearer TOKEN); see ferry token create")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header is not \"Bearer TOKEN\"", invalidToken: true)
        }
        switch authenticate(parts[1].trimmingCharacters(in: .whitespaces)) {
        case .unknown:
            throw APIError.unauthorized("the bearer token is not valid", invalidToken: true)
        case .expired(let name):
            throw APIError.unauthorized("the bearer token \"\(name)\" has expired", invalidToken: true)
        case .valid(let principal):
            guard principal.role >= role else {
                throw APIError(
                    .forbidden,
                    "token \"\(principal.name)\" has the \(principal.role.rawValue) role; this needs \(role.rawValue)")
            }
            return principal
        }
    }
}
