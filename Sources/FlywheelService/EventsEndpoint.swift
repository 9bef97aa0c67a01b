import FlywheelSignals
import Foundation
import Hummingbird

/// `POST /v1/events`: decodes each event as the pipeline would, appends every non-blank line (rejected ones
/// too, so that the pipeline's dead letters hold them) with the next group commit, then answers with the count
/// accepted and the index and dead-letter reason of each rejected line.
struct EventsEndpoint: Sendable {
    let appender: IngestAppender
    let status: ServiceStatus
    let maxBodyBytes: Int
    let maxEventBytes: Int
    let retryAfterSeconds: Int
    let observer: IngestObserver

    func handle(_ request: Request) async -> Response {
        observer.received()
        do throws(ServiceError) {
            let lines = try await lines(of: request)
            var decoder = EventDecoder(maxEventBytes: maxEventBytes)
            var scanner = JSONLineScanner(keys: ["conversation_id"])
            var records: [IngestRecord] = []
            records.reserveCapacity(lines.count)
            var rejected: [Rejection] = []
            var usage: [IngestObserver.Usage] = []
            for line in lines {
                line.bytes.withUnsafeBytes { bytes in
                    switch decoder.decode(bytes, origin: EventOrigin()) {
                    case .event(let event):
                        if let figures = IngestObserver.Usage(event) { usage.append(figures) }
                        // The decoder read the conversation id already: no second scan of the line.
                        records.append(IngestRecord(key: event.conversationId, value: line.bytes))
                    case .invalid(let failure, _):
                        rejected.append(
                            Rejection(index: line.index, reason: failure.reason.rawValue, detail: failure.detail))
                        records.append(IngestRecord(key: Self.key(of: bytes, scanner: &scanner), value: line.bytes))
                    }
                }
            }
            guard !status.isDraining else { throw ServiceError(.shuttingDown, "the service is shutting down") }
            if !records.isEmpty { try await appender.append(records) }
            let body = Accepted(accepted: lines.count - rejected.count, rejected: rejected)
            observer.acknowledged(accepted: body.accepted, rejected: rejected, usage: usage)
            return Self.json(.ok, body)
        } catch {
            return errorResponse(error)
        }
    }

    /// The event lines of the body, after the checks of size, type and encoding.
    private func lines(of request: Request) async throws(ServiceError) -> [IngestLine] {
        guard !status.isDraining else { throw ServiceError(.shuttingDown, "the service is shutting down") }
        let format = try IngestFormat(contentType: request.headers[.contentType])
        let encoding = request.headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased()
        guard encoding == nil || encoding == "identity" || encoding == "gzip" || encoding == "x-gzip" else {
            throw ServiceError(
                .unsupportedMediaType, "Content-Encoding '\(encoding ?? "")' is not supported: send gzip or identity")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw tooLarge()
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge()
        } catch {
            // The client went away or stalled past the client timeout: nobody reads this answer.
            throw ServiceError(.malformedBody, "the request body could not be read to its end: \(error)")
        }
        var body = Array(buffer.readableBytesView)
        if encoding == "gzip" || encoding == "x-gzip" { body = try Gunzip.inflate(body, limit: maxBodyBytes) }
        return try IngestBody.lines(of: body, format: format)
    }

    private func tooLarge() -> ServiceError {
        ServiceError(
            .bodyTooLarge,
            "the body is larger than max_body (\(maxBodyBytes) bytes): send fewer events per request "
                + "(or raise --max-body / FLYWHEEL_MAX_BODY)")
    }

    /// The partition key: the line's `conversation_id` when it is a string (as `topic produce --key-field`).
    private static func key(of line: UnsafeRawBufferPointer, scanner: inout JSONLineScanner) -> String? {
        guard scanner.scan(line) == .object, case .string(let text)? = scanner.values[0] else { return nil }
        return text
    }

    private func errorResponse(_ error: ServiceError) -> Response {
        var headers = HTTPFields()
        let status: HTTPResponse.Status
        switch error.code {
        case .bodyTooLarge: status = .contentTooLarge
        case .unsupportedMediaType: status = .unsupportedMediaType
        case .malformedBody: status = .badRequest
        case .shuttingDown, .appendFailed:
            status = .serviceUnavailable
            headers[.retryAfter] = String(retryAfterSeconds)
        default: status = .internalServerError
        }
        var response = Self.json(status, ErrorBody(error: error.message, code: error.code.description))
        response.headers.append(contentsOf: headers)
        return response
    }

    static func json(_ status: HTTPResponse.Status, _ body: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The 200 body of `POST /v1/events` (in the manner of OTLP's `partial_success`).
struct Accepted: Codable, Sendable {
    var accepted: Int
    var rejected: [Rejection]
}

/// A rejected line: its index in the body, its dead-letter reason (CONTRACT section 4) and the detail.
struct Rejection: Codable, Sendable, Equatable {
    var index: Int
    var reason: String
    var detail: String
}

/// The body of every error answer.
struct ErrorBody: Codable, Sendable {
    var error: String
    var code: String
}
