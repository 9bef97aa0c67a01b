import CoreMetrics
import Foundation
import Hummingbird
import Metrics
import Prometheus
import Synchronization

/// Records `http_server_request_duration_seconds` (OpenTelemetry `http.server.request.duration`) by route, method
/// and status, from the request's arrival until its body was written, in the service's own registry.
///
/// Hummingbird's `MetricsMiddleware` records the same through the global `MetricsSystem`, with dotted names
/// (`http.server.request.duration`, `hb.requests`) that the Prometheus text format does not allow, and would
/// mix the requests of every service of a process; this one uses the service's factory and Prometheus names.
/// Requests that match no route are recorded under the route hummingbird names them by, `NotFound` (the path is
/// never a label: clients could create series without bound).
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let timers: RequestTimers

    init(metrics: ServiceMetrics) {
        timers = RequestTimers(factory: metrics.factory)
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let method = request.method
        do {
            var response = try await next(request, context)
            let timer = timers.timer(route: context.endpointPath, method: method, status: response.status)
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                defer { timer.record(duration: ContinuousClock.now - started) }
                try await body.write(writer)
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            timers.timer(route: context.endpointPath, method: method, status: status)
                .record(duration: ContinuousClock.now - started)
            throw error
        }
    }
}

/// The request-duration timers, one per route, method and status, made once and reused.
final class RequestTimers: Sendable {
    private struct Key: Hashable {
        var route: String
        var method: HTTPRequest.Method
        var status: Int
    }

    private let factory: PrometheusMetricsFactory
    private let timers = Mutex<[Key: CoreMetrics.Timer]>([:])

    init(factory: PrometheusMetricsFactory) {
        self.factory = factory
    }

    func timer(route: String?, method: HTTPRequest.Method, status: HTTPResponse.Status) -> CoreMetrics.Timer {
        let key = Key(route: route ?? "NotFound", method: method, status: status.code)
        return timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(
                label: "http_server_request_duration_seconds",
                dimensions: [
                    ("http_route", key.route), ("http_request_method", method.rawValue),
                    ("http_response_status_code", String(key.status)),
                ], factory: factory)
            timers[key] = timer
            return timer
        }
    }
}
