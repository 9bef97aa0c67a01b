import AsyncHTTPClient
import FlywheelConnectors
import FlywheelSignals
import Foundation
import NIOCore
import NIOHTTP1

/// What one attempt to deliver a request gave.
public enum AttemptResult: Sendable, Equatable {
    /// The receiver answered (any status); `body` is the response body cut at `DeadLetter.maxResponseBytes`.
    case response(status: Int, retryAfter: String?, body: [UInt8])
    /// No answer in time.
    case timedOut
    /// The connection failed (refused, reset, closed early); `reason` for people.
    case connectionFailed(String)

    /// How the forwarder treats it.
    public enum Class: Sendable, Equatable {
        case delivered
        /// Worth another attempt: 5xx, 408, 429, a timeout, a connection error.
        case retryable
        /// The receiver refused the records themselves: any other status. They go to the dead letters at once.
        case rejected
    }

    public var classification: Class {
        switch self {
        case .response(let status, _, _):
            if (200..<300).contains(status) { return .delivered }
            if status >= 500 || status == 408 || status == 429 { return .retryable }
            return .rejected
        case .timedOut, .connectionFailed: return .retryable
        }
    }

    var status: Int? {
        if case .response(let status, _, _) = self { return status }
        return nil
    }

    var responseBody: [UInt8] {
        if case .response(_, _, let body) = self { return body }
        return []
    }

    /// For dead letters and logs: `HTTP 503 Service Unavailable`, `timed out after 2s`, `connection refused`.
    func reason(timeoutMs: Int64) -> String {
        switch self {
        case .response(let status, _, _):
            "HTTP \(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)"
        case .timedOut: "timed out after \(formatDuration(timeoutMs))"
        case .connectionFailed(let reason): reason
        }
    }
}

/// Sends requests to one destination over a pool of keep-alive connections (async-http-client).
public final class HTTPDelivery: Sendable {
    private let client: HTTPClient
    private let url: String
    private let headers: HTTPHeaders
    private let timeout: TimeAmount
    public let timeoutMs: Int64

    /// `headers`: resolved, sent with every request (after the sink's own).
    public init(url: String, headers: [(name: String, value: String)], timeoutMs: Int64, connections: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .milliseconds(min(timeoutMs, 10_000)), read: nil)
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connections))
        // A refused connection is an answer (the receiver is down): report it, and let the breaker and
        // the back-off decide when to try again, instead of retrying inside the client until the deadline.
        pool.retryConnectionEstablishment = false
        configuration.connectionPool = pool
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.url = url
        var all = HTTPHeaders()
        all.add(name: "Content-Type", value: "application/x-ndjson")
        all.add(name: "User-Agent", value: "flywheel-forward")
        for header in headers { all.add(name: header.name, value: header.value) }
        self.headers = all
        timeout = .milliseconds(timeoutMs)
        self.timeoutMs = timeoutMs
    }

    /// One attempt: POSTs `body` with `Idempotency-Key: key`.
    public func send(_ body: ByteBuffer, key: String) async -> AttemptResult {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = headers
        request.headers.add(name: "Idempotency-Key", value: key)
        request.body = .bytes(body)
        do {
            let response = try await client.execute(request, timeout: timeout)
            var kept: [UInt8] = []
            let keepsBody = !(200..<300).contains(Int(response.status.code))
            for try await chunk in response.body where keepsBody && kept.count < DeadLetter.maxResponseBytes {
                kept += chunk.readableBytesView.prefix(DeadLetter.maxResponseBytes - kept.count)
            }
            return .response(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"), body: kept)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .timedOut
        } catch {
            return .connectionFailed(Self.describe(error))
        }
    }

    /// Shuts the connection pool down.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// For a client that is dropped without `shutdown` (a job that failed): shut down in the background.
    func shutdownInBackground() {
        client.shutdown(queue: .global()) { _ in }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("remoteConnectionClosed") || text.contains("Connection reset")
            || text.contains("connectionReset") || text.contains("ioOnClosedChannel") || text.contains("eof")
        {
            return "connection closed by the receiver before it answered"
        }
        return "connection failed: \(text)"
    }
}
