import FlywheelSignals
import Foundation
import Hummingbird
import SwiftProtobuf

/// `POST /v1/traces` and `POST /v1/logs` (OTLP/HTTP): maps GenAI spans and evaluation events onto chat events,
/// appends them to the events topic with the next group commit (as `POST /v1/events` does, invalid events too, so
/// that the pipeline's dead letters hold them), then answers with the OTLP export response in the request's
/// encoding, its `partial_success` counting the records that could not be mapped.
struct OTLPEndpoint: Sendable {
    let appender: IngestAppender
    let status: ServiceStatus
    let maxBodyBytes: Int
    let maxEventBytes: Int
    let retryAfterSeconds: Int
    let mapper: OTLPMapper
    /// The stats and metrics of ingest, fed as `POST /v1/events` feeds them (per event appended).
    let observer: IngestObserver

    typealias TraceRequest = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
    typealias TraceResponse = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse
    typealias LogsRequest = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest
    typealias LogsResponse = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceResponse

    /// The two OTLP signals the service takes.
    enum Signal: Sendable {
        case traces
        case logs
    }

    /// Checks, reads and decodes the body, maps it, appends the events, answers.
    func handle(_ request: Request, signal: Signal) async -> Response {
        let encoding: OTLPEncoding
        do throws(ServiceError) {
            encoding = try OTLPEncoding(contentType: request.headers[.contentType])
        } catch {
            return EventsEndpoint.json(
                .unsupportedMediaType, ErrorBody(error: error.message, code: error.code.description))
        }
        observer.received()
        do throws(ServiceError) {
            guard !status.isDraining else { throw ServiceError(.shuttingDown, "the service is shutting down") }
            let body = try await OTLPRequestBody.collect(request, maxBodyBytes: maxBodyBytes)
            var mapping: OTLPMapping
            switch signal {
            case .traces: mapping = mapper.mapTraces(try encoding.decode(TraceRequest.self, from: body))
            case .logs: mapping = mapper.mapLogs(try encoding.decode(LogsRequest.self, from: body))
            }
            let checked = validated(&mapping)
            guard !status.isDraining else { throw ServiceError(.shuttingDown, "the service is shutting down") }
            if !checked.records.isEmpty { try await appender.append(checked.records) }
            observer.acknowledged(
                accepted: checked.records.count - checked.rejected.count, rejected: checked.rejected,
                usage: checked.usage)
            return Response(
                status: .ok, headers: [.contentType: encoding.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: Self.answer(mapping, signal: signal, encoding))))
        } catch {
            return errorResponse(error, encoding: encoding)
        }
    }

    /// The export response: `partial_success` set when a record was rejected or skipped (a warning then).
    static func answer(_ mapping: OTLPMapping, signal: Signal, _ encoding: OTLPEncoding) -> [UInt8] {
        let report = mapping.rejected > 0 || !mapping.message.isEmpty
        switch signal {
        case .traces:
            var response = TraceResponse()
            if report {
                response.partialSuccess.rejectedSpans = Int64(mapping.rejected)
                response.partialSuccess.errorMessage = mapping.message
            }
            return encoding.encode(response)
        case .logs:
            var response = LogsResponse()
            if report {
                response.partialSuccess.rejectedLogRecords = Int64(mapping.rejected)
                response.partialSuccess.errorMessage = mapping.message
            }
            return encoding.encode(response)
        }
    }

    /// The events of a request as the pipeline will judge them: the records to append, the rejected events
    /// (index: the event's number in the request) and the responses' GenAI figures.
    struct Checked {
        var records: [IngestRecord] = []
        var rejected: [Rejection] = []
        var usage: [IngestObserver.Usage] = []
    }

    /// Every mapped event as a JSON line keyed by its conversation, judged by the pipeline's decoder. A record
    /// whose events the pipeline would not accept (a chat span without a model, say) counts as rejected, with the
    /// dead-letter reason; its events are appended all the same, so that the dead letters hold them.
    private func validated(_ mapping: inout OTLPMapping) -> Checked {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var decoder = EventDecoder(maxEventBytes: maxEventBytes)
        var checked = Checked()
        checked.records.reserveCapacity(mapping.events.count)
        var invalidRecords = Set<Int>()
        for (index, (event, record)) in zip(mapping.events, mapping.eventRecords).enumerated() {
            let line = ((try? encoder.encode(event)).map { Array($0) } ?? [])[...]
            line.withUnsafeBytes { bytes in
                switch decoder.decode(bytes, origin: EventOrigin()) {
                case .invalid(let failure, _):
                    checked.rejected.append(
                        Rejection(index: index, reason: failure.reason.rawValue, detail: failure.detail))
                    if invalidRecords.insert(record).inserted {
                        mapping.rejectMapped(
                            "event \(event.eventId) (\(event.type)): \(failure.reason.rawValue) \(failure.detail)")
                    }
                case .event(let decoded):
                    if let figures = IngestObserver.Usage(decoded) { checked.usage.append(figures) }
                }
            }
            checked.records.append(IngestRecord(key: event.conversationId, value: line))
        }
        return checked
    }

    private func errorResponse(_ error: ServiceError, encoding: OTLPEncoding) -> Response {
        let status: HTTPResponse.Status
        let grpcCode: Int32
        switch error.code {
        case .bodyTooLarge: (status, grpcCode) = (.contentTooLarge, 8)  // RESOURCE_EXHAUSTED
        case .unsupportedMediaType: (status, grpcCode) = (.unsupportedMediaType, 3)  // INVALID_ARGUMENT
        case .malformedBody: (status, grpcCode) = (.badRequest, 3)
        case .shuttingDown, .appendFailed: (status, grpcCode) = (.serviceUnavailable, 14)  // UNAVAILABLE
        default: (status, grpcCode) = (.internalServerError, 13)  // INTERNAL
        }
        var response: Response
        switch encoding {
        case .json:
            response = EventsEndpoint.json(status, ErrorBody(error: error.message, code: error.code.description))
        case .protobuf:
            // OTLP/HTTP: the body of an error is a google.rpc.Status in the request's encoding.
            var body = Google_Rpc_Status()
            body.code = grpcCode
            body.message = error.message
            response = Response(
                status: status, headers: [.contentType: encoding.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: encoding.encode(body))))
        }
        if status == .serviceUnavailable { response.headers[.retryAfter] = String(retryAfterSeconds) }
        return response
    }
}
