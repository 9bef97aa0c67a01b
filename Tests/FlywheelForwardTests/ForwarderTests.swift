import FlywheelConnectors
import FlywheelForward
import FlywheelSignals
import FlywheelTesting
import Foundation
import Synchronization
import Testing

/// A forwarder against a loopback receiver, with short timeouts and back-offs so that faults play out fast.
final class ForwarderFixture: Sendable {
    let receiver: LoopbackReceiver
    let deadLetters = MemoryDeadLetters()
    let forwarder: Forwarder
    let settled = SettledLog()

    init(
        receiver: LoopbackReceiver, batch: Int = 10, maxInFlight: Int = 4, timeoutMs: Int64 = 300,
        maxAttempts: Int = 6,
        breaker: ForwardSpec.Breaker = ForwardSpec.Breaker(failures: 1_000, cooldownMs: 100),
        orderedBy: String? = nil, maxPending: Int = 20_000, rate: Double? = nil,
        keys: KeyDerivation = .content
    ) {
        self.receiver = receiver
        let spec = ForwardSpec(
            url: receiver.url("/signals"), batch: batch, maxInFlight: maxInFlight, timeoutMs: timeoutMs,
            rate: rate,
            retry: ForwardSpec.Retry(maxAttempts: maxAttempts, baseMs: 5, capMs: 50), breaker: breaker,
            orderedBy: orderedBy, maxPending: maxPending)
        let settled = self.settled
        forwarder = Forwarder(
            name: "test", spec: spec, headers: [("Authorization", "Bearer t0ken")], keys: keys,
            deadLetters: deadLetters
        ) { items, settlement in
            settled.items.withLock { $0 += items.map { ($0, settlement) } }
        }
    }

    static func records(_ count: Int, conversations: Int = 7) -> [ForwardItem] {
        (0..<count).map { index in
            let line = #"{"conversation_id": "c\#(index % conversations)", "seq": \#(index)}"#
            return ForwardItem(value: Array(line.utf8), position: Int64(index))
        }
    }

    /// Every record's value, as text, as the receiver took it (2xx), in arrival order.
    var acceptedLines: [String] {
        receiver.accepted.flatMap { $0.lines.map { String(decoding: $0, as: UTF8.self) } }
    }

    var deadLines: [String] { deadLetters.letters.map { String(decoding: $0.record, as: UTF8.self) } }

    /// Every request sent with a key carried exactly the same body.
    func keysAreStable() {
        var bodies: [String: [UInt8]] = [:]
        for request in receiver.requests {
            guard let key = request.idempotencyKey else {
                Issue.record("a request without Idempotency-Key")
                continue
            }
            if let body = bodies[key] {
                #expect(body == request.body, "key \(key) carried two different bodies")
            } else {
                bodies[key] = request.body
            }
        }
    }
}

@Suite("Forwarder against a loopback receiver")
struct ForwarderTests {
    @Test("every record is delivered once, in requests of `batch`, with the headers and a key each")
    func happyPath() async throws {
        let receiver = try await LoopbackReceiver.start()
        let fixture = ForwarderFixture(receiver: receiver, batch: 100, timeoutMs: 10_000)
        let records = ForwarderFixture.records(1_000)
        for chunk in stride(from: 0, to: records.count, by: 64) {
            try await fixture.forwarder.submit(Array(records[chunk..<min(chunk + 64, records.count)]))
        }
        try await fixture.forwarder.drain()
        #expect(
            Set(fixture.acceptedLines) == Set(records.map { String(decoding: $0.value, as: UTF8.self) }))
        #expect(fixture.acceptedLines.count == 1_000)
        #expect(receiver.requests.count == 10)
        #expect(Set(receiver.requests.compactMap(\.idempotencyKey)).count == 10)
        let request = try #require(receiver.requests.first)
        #expect(request.method == "POST")
        #expect(
            request.headers.contains {
                $0.name.lowercased() == "authorization" && $0.value == "Bearer t0ken"
            })
        #expect(
            request.headers.contains {
                $0.name.lowercased() == "content-type" && $0.value == "application/x-ndjson"
            })
        #expect(request.body.last == UInt8(ascii: "\n"))
        let stats = fixture.forwarder.stats
        #expect(stats.delivered == 1_000)
        #expect(stats.requests == 10)
        #expect(stats.pending == 0)
        #expect(fixture.settled.items.withLock { $0.count } == 1_000)
        try await fixture.forwarder.close()
        try await receiver.stop()
    }

    @Test(
        "503 bursts, 429, Retry-After, timeouts, slow answers, resets and 400s: every record ends delivered or dead-lettered, keys stable"
    )
    func faults() async throws {
        let receiver = try await LoopbackReceiver.start()
        let attempts = Mutex<[String: Int]>([:])
        receiver.setBehaviour { request in
            let key = request.idempotencyKey ?? ""
            let attempt = attempts.withLock { counts -> Int in
                counts[key, default: 0] += 1
                return counts[key]!
            }
            let text = String(decoding: request.body, as: UTF8.self)
            if text.contains(#""seq": 13,"#) || text.contains(#""seq": 13}"#) {
                return .status(400, body: "record 13 is not welcome")
            }
            switch (request.index % 9, attempt) {
            case (0, 1): return .status(503)
            case (1, 1): return .status(503, headers: [("Retry-After", "0")])
            case (2, 1): return .status(429, headers: [("Retry-After", "0")])
            case (3, 1): return .hang
            case (4, 1): return .reset
            case (5, _) where attempt <= 2: return .status(502)
            case (6, 1): return .status(200, delayMs: 150)
            case (7, 1): return .status(408)
            default: return .status(200)
            }
        }
        let fixture = ForwarderFixture(receiver: receiver, batch: 5, maxInFlight: 6, timeoutMs: 400)
        let records = ForwarderFixture.records(400)
        try await fixture.forwarder.submit(records)
        try await fixture.forwarder.drain()
        let delivered = fixture.acceptedLines
        let dead = fixture.deadLines
        let all = records.map { String(decoding: $0.value, as: UTF8.self) }
        #expect(Set(delivered).union(dead) == Set(all), "a record was lost")
        #expect(Set(delivered).isDisjoint(with: dead))
        #expect(dead.count == 5)  // the request that held record 13
        #expect(dead.contains { $0.contains(#""seq": 13}"#) })
        for letter in fixture.deadLetters.letters {
            #expect(letter.status == 400)
            #expect(letter.attempts == 1)
            #expect(letter.error == "HTTP 400 Bad Request")
            #expect(String(decoding: letter.response, as: UTF8.self) == "record 13 is not welcome")
        }
        fixture.keysAreStable()
        #expect(fixture.forwarder.stats.retried > 0)
        try await fixture.forwarder.close()
        try await receiver.stop()
    }

    @Test("records whose retries run out go to the dead letters with the last error")
    func retriesRunOut() async throws {
        let receiver = try await LoopbackReceiver.start { _ in
            .status(503, body: "down for maintenance")
        }
        let fixture = ForwarderFixture(receiver: receiver, batch: 4, maxAttempts: 3)
        try await fixture.forwarder.submit(ForwarderFixture.records(8))
        try await fixture.forwarder.drain()
        #expect(receiver.requests.count == 6)
        #expect(fixture.deadLetters.letters.count == 8)
        #expect(fixture.deadLetters.synced == 8)
        for letter in fixture.deadLetters.letters {
            #expect(letter.status == 503)
            #expect(letter.attempts == 3)
            #expect(letter.error == "HTTP 503 Service Unavailable; gave up after 3 attempts")
            #expect(String(decoding: letter.response, as: UTF8.self) == "down for maintenance")
        }
        fixture.keysAreStable()
        try await fixture.forwarder.close()
        try await receiver.stop()
    }

    @Test("a refused connection is retried and then dead-lettered with its reason")
    func connectionRefused() async throws {
        let receiver = try await LoopbackReceiver.start()
        try await receiver.stop()
        // A refused connection on loopback fails at once; a long timeout keeps a loaded machine (a CI run
        // once took over 300 ms to be refused) from reporting a timeout instead.
        let fixture = ForwarderFixture(receiver: receiver, batch: 2, timeoutMs: 10_000, maxAttempts: 2)
        try await fixture.forwarder.submit(ForwarderFixture.records(2))
        try await fixture.forwarder.drain()
        let letter = try #require(fixture.deadLetters.letters.first)
        #expect(letter.status == nil)
        #expect(letter.attempts == 2)
        #expect(letter.error.hasPrefix("connection"))
        try await fixture.forwarder.close()
    }

    @Test("with ordered_by, records of one key are never in flight together and arrive in order")
    func orderingPerKey() async throws {
        let receiver = try await LoopbackReceiver.start { request in
            .status(request.index % 4 == 0 ? 503 : 200, delayMs: Int(request.index % 3) * 15)
        }
        let fixture = ForwarderFixture(
            receiver: receiver, batch: 3, maxInFlight: 4, timeoutMs: 5_000, orderedBy: "conversation_id")
        let records = ForwarderFixture.records(300, conversations: 11)
        for chunk in stride(from: 0, to: records.count, by: 10) {
            try await fixture.forwarder.submit(Array(records[chunk..<chunk + 10]))
        }
        try await fixture.forwarder.drain()
        var lastSeq: [String: Int] = [:]
        var busyUntil: [String: UInt64] = [:]
        for request in receiver.requests {
            let lines = request.lines.map { String(decoding: $0, as: UTF8.self) }
            let delayNanos = UInt64(request.index % 3) * 15_000_000
            let conversations = Set(lines.map { String($0.split(separator: "\"")[3]) })
            for conversation in conversations {
                #expect((busyUntil[conversation] ?? 0) <= request.receivedNanos, "\(conversation) in flight twice")
                busyUntil[conversation] = request.receivedNanos + delayNanos
            }
            guard request.index % 4 != 0 else { continue }
            for line in lines {
                let conversation = String(line.split(separator: "\"")[3])
                let seq = Int(line.split(separator: ":").last!.dropLast().trimmingCharacters(in: .whitespaces))!
                // A request answered after its timeout is sent again: the same records, never older ones.
                #expect(seq >= lastSeq[conversation, default: -1], "\(conversation) out of order")
                lastSeq[conversation] = seq
            }
        }
        #expect(Set(fixture.acceptedLines).count == 300)
        try await fixture.forwarder.close()
        try await receiver.stop()
    }

    @Test("without ordering, requests run max_in_flight at once")
    func concurrencyScales() async throws {
        for maxInFlight in [1, 8] {
            let receiver = try await LoopbackReceiver.start { _ in .status(200, delayMs: 40) }
            let fixture = ForwarderFixture(receiver: receiver, batch: 2, maxInFlight: maxInFlight)
            try await fixture.forwarder.submit(ForwarderFixture.records(64))
            try await fixture.forwarder.drain()
            if maxInFlight == 1 {
                #expect(receiver.maxConcurrent == 1)
            } else {
                #expect(receiver.maxConcurrent >= 6, "only \(receiver.maxConcurrent) at once")
            }
            try await fixture.forwarder.close()
            try await receiver.stop()
        }
    }

    @Test(
        "the breaker opens while the receiver is down, holds the records, probes, and closes when it is back"
    )
    func breakerOpensAndCloses() async throws {
        let receiver = try await LoopbackReceiver.start { _ in .status(503) }
        let fixture = ForwarderFixture(
            receiver: receiver, batch: 5, maxInFlight: 4, maxAttempts: 100,
            breaker: ForwardSpec.Breaker(failures: 3, cooldownMs: 100))
        try await fixture.forwarder.submit(ForwarderFixture.records(100))
        // Generous: on a loaded 2-core machine, blocking tests elsewhere can hold the shared threads a while.
        let deadline = ContinuousClock.now + .seconds(120)
        while fixture.forwarder.stats.breakerOpenings == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(fixture.forwarder.stats.breakerOpenings >= 1)
        let requestsWhenOpened = receiver.requests.count
        try await Task.sleep(for: .milliseconds(500))
        let stats = fixture.forwarder.stats
        #expect(stats.pending == 100, "records wait while the breaker is open")
        // Open, a probe every cool-down (100 ms, doubling on failure): a handful of requests in 500 ms, where
        // 4 workers retrying every 5-50 ms would send dozens.
        #expect(
            receiver.requests.count - requestsWhenOpened <= 8,
            "\(receiver.requests.count - requestsWhenOpened) requests while open")
        receiver.setBehaviour { _ in .status(200) }
        try await fixture.forwarder.drain()
        #expect(fixture.forwarder.stats.breaker == "closed")
        #expect(Set(fixture.acceptedLines).count == 100)
        #expect(fixture.deadLetters.letters.isEmpty)
        try await fixture.forwarder.close()
        try await receiver.stop()
    }

    @Test("back-pressure: submit waits while max_pending records are unsettled")
    func backPressure() async throws {
        let receiver = try await LoopbackReceiver.start { _ in .hang }
        let fixture = ForwarderFixture(
            receiver: receiver, batch: 10, maxInFlight: 2, timeoutMs: 200, maxAttempts: 100,
            maxPending: 50)
        let submitted = Mutex(0)
        let producer = Task {
            for chunk in stride(from: 0, to: 500, by: 10) {
                try await fixture.forwarder.submit(Array(ForwarderFixture.records(500)[chunk..<chunk + 10]))
                submitted.withLock { $0 = chunk + 10 }
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(
            submitted.withLock { $0 } <= 60, "submit did not wait: \(submitted.withLock { $0 }) taken")
        #expect(fixture.forwarder.stats.pending <= 60)
        receiver.setBehaviour { _ in .status(200) }
        try await producer.value
        try await fixture.forwarder.drain()
        #expect(Set(fixture.acceptedLines).count == 500)
        try await fixture.forwarder.close()
        try await receiver.stop()
    }

    @Test("a rate limit spaces requests out")
    func rateLimit() async throws {
        let receiver = try await LoopbackReceiver.start()
        let fixture = ForwarderFixture(receiver: receiver, batch: 1, maxInFlight: 4, rate: 20)
        try await fixture.forwarder.submit(ForwarderFixture.records(30))
        try await fixture.forwarder.drain()
        let times = receiver.requests.map(\.receivedNanos)
        let spanMs = Double(times.max()! - times.min()!) / 1e6
        // 20 go at once (a second's burst), the other 10 at 20 per second: at least ~450 ms.
        #expect(spanMs >= 400, "30 requests in \(spanMs) ms")
        try await fixture.forwarder.close()
        try await receiver.stop()
    }

    @Test("a dead-letter queue that cannot be written fails the drain instead of losing records")
    func deadLetterFailure() async throws {
        let receiver = try await LoopbackReceiver.start { _ in .status(400) }
        let fixture = ForwarderFixture(receiver: receiver, batch: 2)
        fixture.deadLetters.fail()
        try await fixture.forwarder.submit(ForwarderFixture.records(4))
        await #expect(throws: ConnectorError.self) { try await fixture.forwarder.drain() }
        #expect(
            fixture.settled.items.withLock { $0.isEmpty },
            "records reported settled without being dead-lettered")
        await #expect(throws: ConnectorError.self) {
            try await fixture.forwarder.submit(ForwarderFixture.records(1))
        }
        try? await fixture.forwarder.close()
        try await receiver.stop()
    }

    @Test("keys by topic position: equal values at different offsets are different requests")
    func positionKeys() async throws {
        let receiver = try await LoopbackReceiver.start()
        let fixture = ForwarderFixture(receiver: receiver, batch: 1, keys: .position(topic: "alerts"))
        let same = Array(#"{"alert": "x"}"#.utf8)
        try await fixture.forwarder.submit([
            ForwardItem(value: same, partition: 0, position: 1),
            ForwardItem(value: same, partition: 0, position: 2),
        ])
        try await fixture.forwarder.drain()
        #expect(Set(receiver.requests.compactMap(\.idempotencyKey)).count == 2)
        try await fixture.forwarder.close()
        try await receiver.stop()
    }
}

final class SettledLog: Sendable {
    let items = Mutex<[(ForwardItem, Settlement)]>([])
}
