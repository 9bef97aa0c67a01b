import Hummingbird

/// Checks `Authorization: Bearer <token>` on every request the router sees, by the class `AccessRule` gives
/// the request's method and path: 401 (`WWW-Authenticate: Bearer`) without a known token, 403 for a known token
/// of the other class. Without configured tokens it lets everything through.
///
/// It is the router's first middleware, so it covers every route added after it, and the not-found answer
/// too (an unknown path needs a token like any other, so that the answer tells nothing without one).
///
/// A `GET` or `HEAD` may carry its token as the query parameter `access_token` instead (browsers' `EventSource`
/// cannot send headers): it grants reads only, whatever class the token is (see `BearerAuthMiddleware+Query`).
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: AccessTokens

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let (request, queryTokens) = Self.takingQueryToken(request)
        guard tokens.isEnabled else { return try await next(request, context) }
        let rule = AccessRule.required(method: request.method, path: request.uri.path)
        guard rule != .none else { return try await next(request, context) }
        let values = request.headers[values: .authorization]
        if !queryTokens.isEmpty {
            if let refusal = refusal(queryTokens: queryTokens, headers: values, rule: rule, request: request) {
                return refusal
            }
            return try await next(request, context)
        }
        guard values.count == 1, let token = Self.bearerToken(values[0]) else {
            return Self.unauthorized(
                values.isEmpty
                    ? "this endpoint needs Authorization: Bearer <token>"
                        + (rule == .read ? " (or, from a browser, ?access_token=<read token>)" : "")
                    : "the Authorization header must be one 'Bearer <token>'",
                challenge: "Bearer realm=\"flywheel\"")
        }
        let grant = tokens.grant(for: token.utf8)
        guard grant.ingest || grant.read else {
            return Self.unauthorized(
                "the bearer token is not valid", challenge: "Bearer realm=\"flywheel\", error=\"invalid_token\"")
        }
        guard grant.allows(rule) else {
            let (needed, held) = rule == .ingest ? ("an ingest", "a read") : ("a read", "an ingest")
            var response = EventsEndpoint.json(
                .forbidden,
                ErrorBody(
                    error: "\(request.method) \(request.uri.path) needs \(needed) token; this is \(held) token",
                    code: "forbidden"))
            response.headers[.wwwAuthenticate] = "Bearer realm=\"flywheel\", error=\"insufficient_scope\""
            return response
        }
        return try await next(request, context)
    }

    /// The token of `Bearer <token>` (the scheme in any case, spaces after it), or nil.
    static func bearerToken(_ value: String) -> Substring? {
        let scheme = value.prefix { $0 != " " }
        guard scheme.lowercased() == "bearer" else { return nil }
        let token = value[scheme.endIndex...].drop { $0 == " " }
        guard !token.isEmpty, !token.contains(" ") else { return nil }
        return token
    }

    static func unauthorized(_ message: String, challenge: String) -> Response {
        var response = EventsEndpoint.json(.unauthorized, ErrorBody(error: message, code: "unauthorized"))
        response.headers[.wwwAuthenticate] = challenge
        return response
    }
}
