import FlywheelService
import FlywheelTesting
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3)))
struct IngestTests {
    @Test func jsonLinesAreAcceptedAndDurableWhenAnswered() async throws {
        let folder = try TemporaryFolder("serve-ndjson")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            let lines = (0..<10).map { Events.prompt("e\($0)", conversation: "c\($0 % 3)") }
            let answer = try await service.post(lines.joined(separator: "\n") + "\n\n")
            #expect(answer.status == 200)
            #expect(answer.accepted == 10)
            #expect(answer.rejected.isEmpty)
            // Durable before the answer: the files hold every line now, each in its conversation's partition.
            let topic = try service.eventsTopic()
            #expect(topic.flatMap { $0 }.sorted() == lines.sorted())
            for partition in topic {
                let conversations = Set(partition.map { $0.contains("\"c0\"") ? 0 : $0.contains("\"c1\"") ? 1 : 2 })
                for other in topic where other != partition {
                    #expect(
                        conversations.isDisjoint(
                            with: other.map { $0.contains("\"c0\"") ? 0 : $0.contains("\"c1\"") ? 1 : 2 }))
                }
            }
        }
    }

    @Test func jsonArrayKeepsEachElementAsSent() async throws {
        let folder = try TemporaryFolder("serve-array")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            let body = "[\n  " + Events.prompt("a1") + ",\n  " + Events.prompt("a2") + "\n]\n"
            let answer = try await service.post(body, contentType: "application/json; charset=utf-8")
            #expect(answer.status == 200)
            #expect(answer.accepted == 2)
            #expect(try service.eventsTopic().flatMap { $0 }.sorted() == [Events.prompt("a1"), Events.prompt("a2")])
            // Elements are judged as sent: 5.0 is not an integer (CONTRACT 1), whatever a re-encoding would make.
            let response =
                #"{"event_id":"r1","type":"response","timestamp":"2026-11-26T10:00:01Z","conversation_id":"c1","#
                + #""message_id":"m2","parent_id":"m-a1","model":"m","text":"hi","latency_ms":5,"tokens_in":5.0}"#
            let judged = try await service.post("[" + response + "]", contentType: "application/json")
            #expect(judged.status == 200)
            #expect(judged.rejected.map(\.reason) == ["invalid_field"])
        }
    }

    @Test func gzipBodyIsInflated() async throws {
        let folder = try TemporaryFolder("serve-gzip")
        defer { folder.remove() }
        let lines = (0..<50).map { Events.prompt("g\($0)") }
        let plain = try folder.write("events.jsonl", lines.joined(separator: "\n") + "\n")
        let compressed = try gzipped(plain)
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            let answer = try await service.post(Array(compressed), encoding: "gzip")
            #expect(answer.status == 200)
            #expect(answer.accepted == 50)
            let bad = try await service.post(Array(compressed.prefix(compressed.count / 2)), encoding: "gzip")
            #expect(bad.status == 400)
            #expect(bad.body.contains("truncated"))
            let notGzip = try await service.post(Array("hello".utf8), encoding: "gzip")
            #expect(notGzip.status == 400)
        }
    }

    @Test func rejectedLinesGetTheContractReasonsAndGoToTheTopic() async throws {
        let folder = try TemporaryFolder("serve-rejected")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            let lines = [
                Events.prompt("ok1"),
                "{not json",
                #"{"type":"prompt","timestamp":"2026-11-26T10:00:00Z","conversation_id":"c"}"#,
                #"{"event_id":"x","type":"dance","timestamp":"2026-11-26T10:00:00Z","conversation_id":"c"}"#,
                "[1,2]",
                Events.prompt("ok2"),
            ]
            let answer = try await service.post(lines.joined(separator: "\n"))
            #expect(answer.status == 200)
            #expect(answer.accepted == 2)
            let rejected = answer.rejected
            #expect(rejected.map(\.index) == [1, 2, 3, 4])
            #expect(
                rejected.map(\.reason) == ["malformed_json", "missing_field", "invalid_field", "malformed_json"])
            // Rejected lines are appended too, so that the pipeline's dead letters hold them.
            #expect(try service.eventsTopic().flatMap { $0 }.count == lines.count)
        }
    }

    @Test func limitsAnswer413And415And400() async throws {
        let folder = try TemporaryFolder("serve-limits")
        defer { folder.remove() }
        var configuration = try ServiceHarness.configuration(data: folder.path)
        configuration.maxBodyBytes = 4096
        try await ServiceHarness.run(configuration) { service in
            let big = (0..<100).map { Events.prompt("b\($0)") }.joined(separator: "\n")
            #expect(try await service.post(big).status == 413)
            #expect(try await service.post(Events.prompt("t"), contentType: "text/plain").status == 415)
            #expect(try await service.post(Events.prompt("t"), contentType: nil).status == 415)
            let expanding = try folder.write("big.jsonl", String(repeating: big + "\n", count: 4))
            #expect(try await service.post(Array(try gzipped(expanding)), encoding: "gzip").status == 413)
            let notArray = try await service.post(Events.prompt("t"), contentType: "application/json")
            #expect(notArray.status == 400)
            let numbers = try await service.post("[1, 2]", contentType: "application/json")
            #expect(numbers.status == 400)
            #expect(numbers.body.contains("not an object"))
            let open = try await service.post("[" + Events.prompt("t"), contentType: "application/json")
            #expect(open.status == 400)
            // The service keeps serving everyone else.
            let fine = try await service.post(Events.prompt("after"))
            #expect(fine.status == 200)
            #expect(fine.accepted == 1)
            #expect(try service.eventsTopic().flatMap { $0 } == [Events.prompt("after")])
        }
    }

    @Test func concurrentRequestsShareOneGroupCommit() async throws {
        let folder = try TemporaryFolder("serve-group")
        defer { folder.remove() }
        // HTTPClient.shared opens at most 8 connections to a host: 8 requests can wait at once.
        let requests = 8
        let gate = CommitGate(requests: requests)
        try await ServiceHarness.run(
            try ServiceHarness.configuration(data: folder.path),
            hooks: ServiceHooks(beforeGroupCommit: { await gate.hold($0) })
        ) { service in
            try await withThrowingTaskGroup(of: Int?.self) { posters in
                for number in 0..<requests {
                    posters.addTask {
                        let lines = (0..<5).map { Events.prompt("r\(number)-\($0)", conversation: "c\(number)") }
                        return try await service.post(lines.joined(separator: "\n")).accepted
                    }
                }
                for try await accepted in posters { #expect(accepted == 5) }
            }
            let stats = service.server.appender.stats
            #expect(stats.requests == requests)
            #expect(stats.records == requests * 5)
            #expect(stats.commits == 1)
            #expect(stats.syncs <= 4)
            #expect(try service.eventsTopic().flatMap { $0 }.count == requests * 5)
        }
    }
}

/// Holds the first group commit until `requests` requests wait for it, so that the test sees them share it.
actor CommitGate {
    let requests: Int
    private var released = false

    init(requests: Int) { self.requests = requests }

    func hold(_ appender: IngestAppender) async {
        guard !released else { return }
        while appender.waitingRequests < requests { try? await Task.sleep(for: .milliseconds(5)) }
        released = true
    }
}
