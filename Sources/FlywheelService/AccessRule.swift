import Hummingbird

/// Which token a request needs, decided by method and path alone, in this one place, so that every route
/// (those added later included) falls under a class without registering itself.
///
/// - `/healthz` and `/readyz` (exactly): none, for probes.
/// - `/v1/admin/...` (any method): an ingest token; admin actions change what the service does with what is
///   ingested, so they belong to the writers, never to readers (dashboards, scrapers).
/// - `POST`/`PUT`/`PATCH`/`DELETE` on anything else (`/v1/events`, the OTLP `/v1/traces`, `/v1/logs`,
///   `/v1/metrics`): an ingest token.
/// - Every other method (`GET`, `HEAD`, `OPTIONS`) on anything else (`/v1/signals/...`, `/v1/stats`,
///   `/metrics`, `/`): a read token.
///
/// Paths are compared as sent (no percent-decoding): a spelling other than the exact probe paths needs a token.
public enum AccessRule: Sendable, Equatable {
    case none
    case ingest
    case read

    /// The class of token `method` on `path` (query and fragment ignored) needs.
    public static func required(method: HTTPRequest.Method, path: String) -> AccessRule {
        let path = path.prefix { $0 != "?" && $0 != "#" }
        if path == "/healthz" || path == "/readyz" { return .none }
        if path == "/v1/admin" || path.hasPrefix("/v1/admin/") { return .ingest }
        switch method {
        case .get, .head, .options: return .read
        default: return .ingest
        }
    }
}
