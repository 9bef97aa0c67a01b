import AsyncHTTPClient
import NIOCore

/// What the `LoopbackReceiver` alone takes: `connections` async-http-client connections in this process POST
/// bodies of `batch` JSON lines (300 bytes each, newline included) as fast as answers come, for `seconds`.
public enum ReceiverBench {
    /// Bytes of one body line, its newline included.
    public static let lineBytes = 300

    public struct Report: Sendable {
        public var seconds: Double
        public var connections: Int
        public var batch: Int
        public var requests: Int
        public var errors: Int
        /// Latencies of the timed requests (send to whole answer), in nanoseconds, sorted.
        public var latencies: [UInt64]
        /// The receiver's counters at the end (its own count of requests and lines, including the warm-up).
        public var receiver: LoopbackReceiver.Counters

        public var records: Int { requests * batch }
        public var requestsPerSecond: Double { Double(requests) / seconds }
        public var recordsPerSecond: Double { Double(records) / seconds }

        /// The latency at `fraction` (0...1) of the sorted latencies, in milliseconds.
        public func latencyMs(_ fraction: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let index = min(latencies.count - 1, Int((Double(latencies.count) * fraction).rounded(.down)))
            return Double(latencies[index]) / 1e6
        }

        public var text: String {
            let megabytes = Double(records * ReceiverBench.lineBytes) / seconds / 1e6
            return [
                "receiver bench: \(format(seconds, 1)) s, \(connections) connections, "
                    + "\(batch) records of \(ReceiverBench.lineBytes) bytes per request",
                "requests  \(requests)  \(Int(requestsPerSecond)) requests/s  (errors \(errors))",
                "records   \(records)  \(Int(recordsPerSecond)) records/s  \(format(megabytes, 1)) MB/s of bodies",
                "latency   p50 \(format(latencyMs(0.5), 2)) ms  p99 \(format(latencyMs(0.99), 2)) ms",
                "receiver  \(receiver.requests) requests, \(receiver.acceptedLines) records accepted, "
                    + "max \(receiver.maxConcurrent) in progress, \(receiver.connections) connections",
            ].joined(separator: "\n")
        }

        private func format(_ value: Double, _ digits: Int) -> String {
            let scale = Double([1, 10, 100, 1000][min(digits, 3)])
            let rounded = (value * scale).rounded() / scale
            return digits == 0 ? String(Int(rounded)) : String(rounded)
        }
    }

    /// A body of `batch` preference-pair-like JSON lines, each `lineBytes` long with its newline.
    public static func body(batch: Int) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(batch * lineBytes)
        for number in 0..<batch {
            let id = String(number + 1_000_000)
            var line =
                #"{"kind":"preference_pair","conversation_id":"c-\#(id)","prompt_event_id":"e-\#(id)-p","#
                + #""chosen":{"model":"model-a","response_id":"r-\#(id)-a"},"#
                + #""rejected":{"model":"model-b","response_id":"r-\#(id)-b"},"reason":"side_by_side","note":""#
            line += String(repeating: "x", count: max(0, lineBytes - line.utf8.count - 3)) + "\"}"
            body += line.utf8
            body.append(UInt8(ascii: "\n"))
        }
        return body
    }

    /// Runs the benchmark; `progress` gets a line when the timed phase starts.
    public static func run(
        seconds: Double, connections: Int, batch: Int, progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> Report {
        let receiver = try await LoopbackReceiver.start(recordsBodies: false)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var request = HTTPClientRequest(url: receiver.url("/bench"))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        request.body = .bytes(ByteBuffer(bytes: body(batch: batch)))
        let outcome: Result<(Int, Int, [UInt64], Double), any Error>
        do {
            outcome = .success(try await drive(client, request, connections: connections, seconds: seconds, progress))
        } catch {
            outcome = .failure(error)
        }
        try await client.shutdown()
        try await receiver.stop()
        let (requests, errors, latencies, elapsed) = try outcome.get()
        return Report(
            seconds: elapsed, connections: connections, batch: batch, requests: requests, errors: errors,
            latencies: latencies.sorted(), receiver: receiver.counters)
    }

    /// Opens the connections with one request each, then sends from each until `seconds` pass.
    private static func drive(
        _ client: HTTPClient, _ request: HTTPClientRequest, connections: Int, seconds: Double,
        _ progress: @Sendable (String) -> Void
    ) async throws -> (requests: Int, errors: Int, latencies: [UInt64], seconds: Double) {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<connections { group.addTask { _ = try await send(client, request) } }
            try await group.waitForAll()
        }
        progress("warmed up \(connections) connections; sending for \(seconds) s")
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .milliseconds(Int64(seconds * 1000))
        var requests = 0
        var errors = 0
        var latencies: [UInt64] = []
        try await withThrowingTaskGroup(of: (Int, [UInt64]).self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var failed = 0
                    var times: [UInt64] = []
                    while clock.now < end {
                        let sent = clock.now
                        if (try? await send(client, request)) == true {
                            times.append(nanos(clock.now - sent))
                        } else {
                            failed += 1
                        }
                    }
                    return (failed, times)
                }
            }
            for try await (failed, times) in group {
                errors += failed
                requests += times.count
                latencies += times
            }
        }
        return (requests, errors, latencies, (clock.now - start) / .seconds(1))
    }

    /// Sends `request` and reads the whole answer; true when it was 2xx.
    private static func send(_ client: HTTPClient, _ request: HTTPClientRequest) async throws -> Bool {
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (200..<300).contains(response.status.code)
    }

    private static func nanos(_ duration: Duration) -> UInt64 {
        let parts = duration.components
        return UInt64(parts.seconds) * 1_000_000_000 + UInt64(parts.attoseconds / 1_000_000_000)
    }
}
