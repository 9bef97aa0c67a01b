import FlywheelService
import FlywheelTesting
import Foundation
import Testing

/// Bad input over a raw socket: a precise 4xx or dead letters, never a crash, and the service keeps serving.
@Suite(.timeLimit(.minutes(5)))
struct MalformedRequestTests {
    /// A `POST /v1/events` with `body` as sent, and `Connection: close` so that the server closes after answering.
    static func post(_ body: [UInt8], contentType: String = "application/x-ndjson") -> String {
        "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(contentType)\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
    }

    /// Checks that the service still answers: probes, and an event accepted.
    static func stillServes(_ service: ServiceHarness, id: String) async throws {
        #expect(try await Self.againIfClosed { try await service.get("/healthz") }.status == 200)
        // Safe to send again: events are de-duplicated by event_id.
        let answer = try await Self.againIfClosed { try await service.post(Events.prompt(id)) }
        #expect(answer.status == 200 && answer.accepted == 1)
    }

    /// Sends again when the server closed the kept-alive connection as the request went out: with a 300 ms
    /// client timeout, a test client that a loaded machine holds back that long between two requests races the
    /// server's close of the idle connection (what every HTTP client retries for requests safe to repeat).
    static func againIfClosed<T>(_ send: () async throws -> T) async throws -> T {
        for _ in 0..<2 {
            do { return try await send() } catch  where "\(error)".contains("remoteConnectionClosed") { continue }
        }
        return try await send()
    }

    @Test func malformedHTTPGets400() async throws {
        let folder = try TemporaryFolder("raw-http")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            let raw = RawHTTPClient(port: service.port)
            let requests = [
                "GARBAGE\r\n\r\n",
                "POST /v1/events HTTP/9.9\r\nHost: x\r\n\r\n",
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n",
            ]
            for request in requests {
                let reply = try await raw.send(request)
                #expect(reply.status == 400, "\(request.debugDescription): \(reply.text)")
            }
            try await Self.stillServes(service, id: "after-http")
        }
    }

    @Test func aBodyShorterThanItsLengthIsNotAcknowledged() async throws {
        let folder = try TemporaryFolder("raw-short")
        defer { folder.remove() }
        var configuration = try ServiceHarness.configuration(data: folder.path)
        configuration.clientTimeout = .milliseconds(300)
        try await ServiceHarness.run(configuration) { service in
            let raw = RawHTTPClient(port: service.port)
            let line = Array(Events.prompt("short").utf8)
            let head = Self.post(line).replacingOccurrences(
                of: "Content-Length: \(line.count)", with: "Content-Length: \(line.count + 100)")
            // The client stops sending (and half-closes): the request ends early, nothing is acknowledged.
            let closed = try await raw.exchange([Array(head.utf8) + line], closeWrite: true)
            #expect(closed.status != 200, "\(closed.text)")
            // The client stalls: the client timeout closes the connection, nothing is acknowledged.
            let stalled = try await raw.exchange([Array(head.utf8) + line])
            #expect(stalled.status != 200, "\(stalled.text)")
            // Half a request head, then silence: closed by the client timeout as well.
            let half = try await raw.exchange([Array("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-".utf8)])
            #expect(half.status != 200)
            #expect(try service.eventsTopic().flatMap { $0 }.isEmpty)
            try await Self.stillServes(service, id: "after-short")
        }
    }

    @Test func badEventsBecomeDeadLetters() async throws {
        let folder = try TemporaryFolder("raw-events")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            let raw = RawHTTPClient(port: service.port)
            let huge =
                #"{"event_id":"big","type":"prompt","timestamp":"2026-11-26T10:00:00Z","conversation_id":"c","#
                + #""message_id":"m","text":""# + String(repeating: "x", count: 2 << 20) + #""}"#
            var body = Array(huge.utf8) + [0x0A]
            body += Array(#"{"event_id":"u","type":"prompt","text":""#.utf8) + [0xFF, 0xFE, 0xC3] + Array("\"}\n".utf8)
            body += Array("[1,2,3]\n\"text\"\n{\"event_id\":\n".utf8)
            body += Array(Events.prompt("good").utf8)
            let reply = try await raw.send(Self.post(body), body: body)
            #expect(reply.status == 200, "\(reply.text.prefix(300))")
            let answer = try #require(
                try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
            #expect(answer["accepted"] as? Int == 1)
            let rejected = (answer["rejected"] as? [[String: Any]] ?? []).map {
                "\($0["index"] as? Int ?? -1) \($0["reason"] as? String ?? "")"
            }
            #expect(
                rejected == [
                    "0 too_large", "1 malformed_json", "2 malformed_json", "3 malformed_json", "4 malformed_json",
                ])
            // Every line is in the topic, so the pipeline's dead letters hold the rejected ones.
            #expect(try service.eventsTopic().flatMap { $0 }.count == 6)
            try await Self.stillServes(service, id: "after-events")
        }
    }

    @Test func jsonThatIsNotAnArrayOfObjectsGets400() async throws {
        let folder = try TemporaryFolder("raw-json")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            let raw = RawHTTPClient(port: service.port)
            let bodies = ["[1,2,3]", "{\"event_id\":\"x\"}", "[{\"a\":1},", "[{\"a\":1}] trailing", "\u{FF}"]
            for text in bodies {
                let body = Array(text.utf8)
                let reply = try await raw.send(Self.post(body, contentType: "application/json"), body: body)
                #expect(reply.status == 400, "\(text): \(reply.text)")
                #expect(reply.body.contains("\"code\":\"malformed_body\""), "\(text): \(reply.body)")
            }
            let invalid: [UInt8] = Array("[{\"event_id\":\"".utf8) + [0xFF] + Array("\"}]".utf8)
            let judged = try await raw.send(Self.post(invalid, contentType: "application/json"), body: invalid)
            #expect(judged.status == 200 && judged.body.contains("malformed_json"), "\(judged.text)")
            try await Self.stillServes(service, id: "after-json")
        }
    }

    @Test func aHugeArrayOfTinyObjectsIsJudgedElementByElement() async throws {
        let folder = try TemporaryFolder("raw-array")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            let count = 200_000
            var text = "["
            text.reserveCapacity(count * 8)
            for index in 0..<count { text += index == 0 ? "{\"a\":1}" : ",{\"a\":1}" }
            text += "]"
            let body = Array(text.utf8)
            #expect(body.count < ServiceConfiguration.defaultMaxBodyBytes)
            let reply = try await RawHTTPClient(port: service.port).send(
                Self.post(body, contentType: "application/json"), body: body)
            #expect(reply.status == 200)
            let answer = try #require(
                try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
            let rejected = answer["rejected"] as? [[String: Any]] ?? []
            #expect(answer["accepted"] as? Int == 0)
            #expect(rejected.count == count)
            #expect(rejected.last?["index"] as? Int == count - 1)
            #expect(Set(rejected.compactMap { $0["reason"] as? String }) == ["missing_field"])
            try await Self.stillServes(service, id: "after-array")
        }
    }
}
