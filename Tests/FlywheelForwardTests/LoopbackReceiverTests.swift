import AsyncHTTPClient
import FlywheelForward
import NIOCore
import Testing

/// The loopback receiver, driven by async-http-client as the forwarder will drive it.
@Suite(.timeLimit(.minutes(5)))
struct LoopbackReceiverTests {
    @Test func statusReplyCarriesItsHeadersAndBody() async throws {
        try await withReceiver({ _ in .status(503, headers: [("Retry-After", "2")], body: "busy") }) {
            receiver, client in
            let response = try await client.post(receiver.url("/v1/pairs"), body: "a\nb\n", key: "k1")
            #expect(response.status == 503)
            #expect(response.retryAfter == "2")
            #expect(response.body == "busy")
            let request = try #require(receiver.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/pairs")
            #expect(request.idempotencyKey == "k1")
            #expect(request.header("content-type") == "application/x-ndjson")
            #expect(request.lines == [Array("a".utf8), Array("b".utf8)])
            #expect(receiver.accepted.isEmpty)
            #expect(receiver.counters.rejected == 1)
        }
    }

    @Test func acceptedHoldsOnlyTheRequestsAnswered2xx() async throws {
        try await withReceiver({ $0.index % 2 == 0 ? .status(204) : .status(500) }) { receiver, client in
            for number in 0..<6 {
                let response = try await client.post(receiver.url(), body: "line \(number)\n\nlast", key: "k\(number)")
                #expect(response.status == (number % 2 == 0 ? 204 : 500))
            }
            #expect(receiver.requests.map(\.index) == Array(0..<6))
            #expect(receiver.accepted.map(\.idempotencyKey) == ["k0", "k2", "k4"])
            #expect(receiver.accepted.first?.lines == [Array("line 0".utf8), [], Array("last".utf8)])
            #expect(receiver.counters.acceptedLines == 9)
            #expect(receiver.counters.lines == 18)
        }
    }

    @Test func delayedReplyComesNoSoonerThanItsDelay() async throws {
        try await withReceiver({ _ in .status(200, delayMs: 300) }) { receiver, client in
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await client.post(receiver.url(), body: "x\n")
            #expect(response.status == 200)
            #expect(clock.now - start >= .milliseconds(300))
            #expect(receiver.accepted.count == 1)
            #expect(receiver.counters.inProgress == 0)
        }
    }

    @Test func resetGivesTheClientAConnectionErrorAndTheNextRequestGoesThrough() async throws {
        try await withReceiver({ _ in .reset }) { receiver, client in
            await #expect(throws: (any Error).self) { try await client.post(receiver.url(), body: "x\n") }
            #expect(receiver.counters.resets == 1)
            receiver.setBehaviour { _ in .status(200) }
            let response = try await client.post(receiver.url(), body: "y\n")
            #expect(response.status == 200)
            #expect(receiver.accepted.map(\.lines) == [[Array("y".utf8)]])
        }
    }

    @Test func hangMakesTheClientTimeOutAndIsAbandonedWhenItCloses() async throws {
        try await withReceiver({ _ in .hang }) { receiver, client in
            await #expect {
                try await client.post(receiver.url(), body: "x\n", timeout: .milliseconds(300))
            } throws: { error in
                (error as? HTTPClientError) == .deadlineExceeded
            }
            #expect(receiver.requests.count == 1)
            try await eventually { receiver.counters.abandoned == 1 }
            #expect(receiver.counters.inProgress == 0)
            #expect(receiver.accepted.isEmpty)
        }
    }

    @Test func concurrentRequestsAreCountedInProgressTogether() async throws {
        try await withReceiver({ _ in .status(200, delayMs: 1500) }) { receiver, client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for number in 0..<6 {
                    group.addTask { try await client.post(receiver.url(), body: "\(number)\n").status }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(receiver.maxConcurrent == 6)
            #expect(receiver.counters.inProgress == 0)
        }
    }

    @Test func sequentialRequestsShareOneKeptAliveConnection() async throws {
        try await withReceiver { receiver, client in
            for number in 0..<5 {
                let status = try await client.post(receiver.url(), body: "\(number)\n").status
                #expect(status == 200)
            }
            #expect(receiver.counters.connections == 1)
            #expect(receiver.maxConcurrent == 1)
        }
    }

    @Test func stopClosesConnectionsAndEndsTheRequestsInProgress() async throws {
        let receiver = try await LoopbackReceiver.start { _ in .hang }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let pending = Task { try await client.post(receiver.url(), body: "x\n", timeout: .seconds(30)) }
        try await eventually { receiver.counters.inProgress == 1 }
        try await receiver.stop()
        await #expect(throws: (any Error).self) { try await pending.value }
        try await client.shutdown()
        try await eventually { receiver.counters.openConnections == 0 }
        #expect(receiver.counters.abandoned == 1 && receiver.counters.inProgress == 0)
        try await receiver.stop()
    }

    @Test func countingModeKeepsNoHistoryButCountsLinesAndKeys() async throws {
        let receiver = try await LoopbackReceiver.start(recordsBodies: false)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let key = "0123456789abcdef0123456789abcdef"
        for body in ["a\nb\n", "a\nb\n", "c"] {
            _ = try await client.post(receiver.url(), body: body, key: body == "c" ? "other" : key)
        }
        try await client.shutdown()
        try await receiver.stop()
        #expect(receiver.requests.isEmpty && receiver.accepted.isEmpty)
        let counters = receiver.counters
        #expect(counters.requests == 3 && counters.accepted == 3)
        #expect(counters.lines == 5 && counters.acceptedLines == 5 && counters.bytes == 9)
        #expect(counters.distinctKeys == 2 && counters.duplicateKeys == 1)
    }

    @Test func urlNamesTheHostAndTheChosenPort() async throws {
        let receiver = try await LoopbackReceiver.start()
        #expect(receiver.port > 0)
        #expect(receiver.url() == "http://127.0.0.1:\(receiver.port)/")
        #expect(receiver.url("v1/x") == "http://127.0.0.1:\(receiver.port)/v1/x")
        try await receiver.stop()
    }
}

/// Runs `body` with a started receiver and a client, then shuts both down.
func withReceiver(
    _ behaviour: @escaping LoopbackReceiver.Behaviour = { _ in .status(200) },
    _ body: (LoopbackReceiver, HTTPClient) async throws -> Void
) async throws {
    let receiver = try await LoopbackReceiver.start(behaviour: behaviour)
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        try await body(receiver, client)
    } catch {
        try await client.shutdown()
        try await receiver.stop()
        throw error
    }
    try await client.shutdown()
    try await receiver.stop()
}

/// Polls `condition` until it holds or `seconds` pass (for effects that follow a connection's close).
func eventually(seconds: Double = 10, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition still false after \(seconds) s")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct ReceivedResponse {
    var status: Int
    var retryAfter: String?
    var body: String
}

extension HTTPClient {
    /// POSTs `body` as JSON Lines, with `key` as its Idempotency-Key, and reads the whole answer.
    func post(_ url: String, body: String, key: String? = nil, timeout: TimeAmount = .seconds(10)) async throws
        -> ReceivedResponse
    {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return ReceivedResponse(
            status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
            body: String(buffer: bytes))
    }
}
