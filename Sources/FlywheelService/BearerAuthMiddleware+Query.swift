import HTTPTypes
import Hummingbird

/// The token in the URL: `?access_token=TOKEN` (RFC 6750 section 2.3), for browsers, whose `EventSource` cannot
/// send an `Authorization` header.
///
/// - Only `GET` and `HEAD` take it, and it grants reads only: a token in a URL can end up in proxy and server
///   logs and in browser history, so it must never be able to write. An ingest token in the URL gets 403 on a read
///   route, and any request that is not a `GET`/`HEAD` with `access_token` gets 401.
/// - Given once, and not together with an `Authorization` header (400 `invalid_request`).
/// - The parameter is removed from the request before the routes see it (they refuse parameters they do not
///   know), with or without configured tokens. The token is compared in constant time as a header's is, and
///   never logged or echoed.
extension BearerAuthMiddleware {
    static var queryParameter: String { "access_token" }

    /// The request without its `access_token` parameters (for `GET`/`HEAD`), and their decoded values (for any
    /// method, so that a `POST` carrying one is refused rather than let through on another credential).
    static func takingQueryToken(_ request: Request) -> (Request, [Substring]) {
        guard let query = request.uri.query, query.contains(queryParameter) else { return (request, []) }
        let values = request.uri.queryParameters[values: Substring(queryParameter)]
        guard !values.isEmpty, request.method == .get || request.method == .head else { return (request, values) }
        let kept = query.split(separator: "&", omittingEmptySubsequences: false).filter {
            $0.prefix { $0 != "=" } != queryParameter
        }
        var head = request.head
        head.path = request.uri.path + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        return (Request(head: head, body: request.body), values)
    }

    /// Why a request carrying `queryTokens` may not go on (nil: it may).
    func refusal(
        queryTokens: [Substring], headers: [String], rule: AccessRule, request: Request
    ) -> Response? {
        let method = request.method
        guard method == .get || method == .head else {
            return Self.unauthorized(
                "access_token in the URL is taken only by GET and HEAD requests (reads); send the token as "
                    + "Authorization: Bearer <token>",
                challenge: "Bearer realm=\"flywheel\", error=\"invalid_request\"")
        }
        guard headers.isEmpty, queryTokens.count == 1 else {
            var response = EventsEndpoint.json(
                .badRequest,
                ErrorBody(
                    error: headers.isEmpty
                        ? "access_token is given more than once"
                        : "the token is given both in the Authorization header and as access_token: give one",
                    code: "invalid_request"))
            response.headers[.wwwAuthenticate] = "Bearer realm=\"flywheel\", error=\"invalid_request\""
            return response
        }
        let grant = tokens.grant(for: queryTokens[0].utf8)
        guard grant.ingest || grant.read else {
            return Self.unauthorized(
                "the access_token is not valid", challenge: "Bearer realm=\"flywheel\", error=\"invalid_token\"")
        }
        guard rule == .read, grant.read else {
            var response = EventsEndpoint.json(
                .forbidden,
                ErrorBody(
                    error: rule == .read
                        ? "\(method) \(request.uri.path) needs a read token; this is an ingest token"
                        : "a token in the URL (access_token) grants reads only; this request needs an ingest token "
                            + "in the Authorization header",
                    code: "forbidden"))
            response.headers[.wwwAuthenticate] = "Bearer realm=\"flywheel\", error=\"insufficient_scope\""
            return response
        }
        return nil
    }
}
