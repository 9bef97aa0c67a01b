import FlywheelConnectors
import FlywheelInspect
import FlywheelSignals
import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix

/// The read side: `GET /v1/signals/{kind}` (the last committed records as JSON Lines),
/// `GET /v1/signals/{kind}/stream` (Server-Sent Events of newly committed records) and `GET /v1/compare`
/// (the A/B read-out of `flywheel inspect --compare`), all from the pipeline's signal topics.
struct SignalsEndpoint: Sendable {
    let log: SignalLog
    let watcher: SignalWatcher
    let heartbeat: Duration

    static let listParameters = ["since", "until", "model", "variant", "limit", "before"]
    static let streamParameters = ["since", "until", "model", "variant", "from"]
    static let compareParameters = ["a", "b", "model", "since", "until"]

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/signals/:kind") { request, context in
            let kind = context.parameters.get("kind") ?? ""
            return await Self.offThePool { list(request, kind: kind) }
        }
        router.get("/v1/signals/:kind/stream") { request, context in
            stream(request, kind: context.parameters.get("kind") ?? "")
        }
        router.get("/v1/compare") { request, _ in await Self.offThePool { compare(request) } }
    }

    /// Runs a handler that reads the topics on NIO's thread pool, so that a long read (up to 100,000 records)
    /// does not hold one of the few threads every task of the service shares.
    static func offThePool(_ handler: @escaping @Sendable () -> Response) async -> Response {
        do {
            return try await NIOThreadPool.singleton.runIfActive(handler)
        } catch {
            return errorResponse(ServiceError(.readFailed, "the read could not run: \(error)"))
        }
    }

    /// The last `limit` committed records of the kind after the filters, oldest first. Headers:
    /// `Flywheel-Committed-End` (the position after the last committed record) and, when older selected
    /// records may exist, `Flywheel-Next-Before` (pass it as `before` for the page before this one).
    func list(_ request: Request, kind name: String) -> Response {
        do throws(ServiceError) {
            let query = try SignalQuery(
                kind: name, parameters: request.uri.queryParameters, allowed: Self.listParameters)
            let committed = try committed(query.kind)
            var page = SignalPage()
            if let committed {
                var matcher = query.filter.matcher(for: query.kind)
                do throws(LogError) {
                    page = try SignalPage.last(query.limit, of: committed, before: query.before, matcher: &matcher)
                } catch {
                    throw Self.readFailed(query.kind, error)
                }
            }
            var buffer = ByteBuffer()
            buffer.reserveCapacity(page.values.reduce(0) { $0 + $1.count + 1 })
            for value in page.values {
                buffer.writeBytes(value)
                buffer.writeInteger(UInt8(ascii: "\n"))
            }
            var headers: HTTPFields = [.contentType: "application/x-ndjson"]
            headers[Self.committedEnd] = String(committed?.end ?? 0)
            if page.more, let first = page.positions.first { headers[Self.nextBefore] = String(first) }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
        } catch {
            return Self.errorResponse(error)
        }
    }

    /// Server-Sent Events: every record committed from the start position on (`Last-Event-ID` + 1, else
    /// `from`, else the committed end when the stream opens), `id` its position, `event` its kind, `data` the
    /// record; a comment line as heartbeat when nothing was sent for `heartbeat`. Ends when the service stops.
    func stream(_ request: Request, kind name: String) -> Response {
        do throws(ServiceError) {
            let query = try SignalQuery(
                kind: name, parameters: request.uri.queryParameters, allowed: Self.streamParameters)
            var start = query.from
            if let text = request.headers[Self.lastEventID] {
                guard let last = Int64(text.trimmingCharacters(in: .whitespaces)), last >= 0 else {
                    throw ServiceError(
                        .invalidParameter, "Last-Event-ID must be a record position (0 or more), got '\(text)'")
                }
                start = last + 1
            }
            let current = try committed(query.kind)
            let first = start ?? current?.end ?? 0
            let stream = SignalStream(
                log: log, kind: query.kind, filter: query.filter, start: first, heartbeat: heartbeat)
            let watcher = watcher
            let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    let subscription = watcher.subscribe()
                    defer { watcher.unsubscribe(subscription.id) }
                    try await stream.run(&writer, wakes: subscription.wakes)
                    try await writer.finish(nil)
                })
        } catch {
            return Self.errorResponse(error)
        }
    }

    /// `flywheel inspect --compare A B [--model M]` over the committed `model_quality` records, as JSON.
    func compare(_ request: Request) -> Response {
        do throws(ServiceError) {
            let parameters = request.uri.queryParameters
            for (key, _) in parameters where !key.isEmpty && !Self.compareParameters.contains(String(key)) {
                throw ServiceError(
                    .invalidParameter,
                    "unknown parameter '\(key)'; this endpoint takes " + Self.compareParameters.joined(separator: ", "))
            }
            guard let a = try SignalQuery.single("a", parameters), let b = try SignalQuery.single("b", parameters)
            else {
                throw ServiceError(
                    .invalidParameter, "a and b name the two variants to compare, e.g. ?a=control&b=treatment")
            }
            let filter = try SignalQuery.filters(parameters, kind: .modelQuality)
            let records = try allRecords(.modelQuality)
            var options = InspectOptions(sourcePath: "/v1/compare")
            options.kinds = [.modelQuality]
            options.models = filter.models
            options.since = filter.since
            options.until = filter.until
            do throws(InspectError) {
                let data = try InspectLoader.load(
                    options, label: "the service's model_quality records", countersNote: ""
                ) { _ in records }
                let body = try VariantComparison.make(data, a: a, b: b).json()
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
            } catch {
                throw ServiceError(
                    error.code == .invalidOption ? .invalidParameter : .readFailed, error.message, cause: error)
            }
        } catch {
            return Self.errorResponse(error)
        }
    }

    /// Every committed record of `kind`, oldest first.
    private func allRecords(_ kind: RecordKind) throws(ServiceError) -> [[UInt8]] {
        guard let committed = try committed(kind) else { return [] }
        var records: [[UInt8]] = []
        var matcher = SignalFilter().matcher(for: kind)
        do throws(LogError) {
            try SignalPage.forEach(in: committed, from: 0, to: committed.end, matcher: &matcher) { _, value in
                records.append(Array(value))
            }
        } catch {
            throw Self.readFailed(kind, error)
        }
        return records
    }

    /// The kind's partition and committed end after a look for a newer checkpoint; nil while nothing is
    /// committed; an error when no topic sink of the pipeline takes the kind.
    private func committed(_ kind: RecordKind) throws(ServiceError) -> SignalLog.Committed? {
        guard log.routes[kind] != nil else {
            throw ServiceError(
                .noSignalTopic,
                "the pipeline writes \(kind.name) to no topic, and the read API reads the signal topics: add a topic "
                    + "sink that takes it, e.g. sinks: { signal_topics: { kind: topic, prefix: \"signals.\" } } "
                    + "beside the other sinks (a pipeline without sinks: has it by default)")
        }
        log.refresh()
        do throws(LogError) {
            return try log.committed(kind)
        } catch {
            throw Self.readFailed(kind, error)
        }
    }

    static func readFailed(_ kind: RecordKind, _ error: LogError) -> ServiceError {
        ServiceError(.readFailed, "cannot read the \(kind.name) records: \(error.message)", cause: error)
    }

    static let committedEnd = HTTPField.Name("Flywheel-Committed-End")!
    static let nextBefore = HTTPField.Name("Flywheel-Next-Before")!
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    static func errorResponse(_ error: ServiceError) -> Response {
        let status: HTTPResponse.Status =
            switch error.code {
            case .invalidParameter: .badRequest
            case .unknownKind: .notFound
            case .noSignalTopic: .conflict
            default: .internalServerError
            }
        return EventsEndpoint.json(status, ErrorBody(error: error.message, code: error.code.description))
    }
}
