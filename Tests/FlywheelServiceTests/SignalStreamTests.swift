import FlywheelService
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// `GET /v1/signals/{kind}/stream`: records committed after the client connected arrive as events whose id is
/// their position; a reconnect with `Last-Event-ID` (or `from`) resumes without gaps or repeats; idle streams
/// get heartbeats; a graceful shutdown ends open streams instead of waiting for them.
@Suite(.timeLimit(.minutes(3)))
struct SignalStreamTests {
    static let pipeline = "checkpoint: { interval: 200ms }\n"

    /// A line the decoder rejects (a dead letter), told apart by `number`.
    static func malformed(_ number: Int) -> String { "{not json \(number)" }

    /// The `raw` field of a dead-letter event.
    static func raw(_ block: EventStreamClient.Block) -> String? {
        SignalRecordsOnDisk.object(block.data ?? "")["raw"] as? String
    }

    @Test func recordsCommittedAfterConnectingArriveAndAResumeHasNoGapsOrRepeats() async throws {
        let folder = try TemporaryFolder("serve-stream")
        defer { folder.remove() }
        let configuration = try ServiceHarness.configuration(data: folder.path, yaml: Self.pipeline)
        try await ServiceHarness.run(configuration) { service in
            try await service.eventually { service.server.status.isReady }
            var stream = try await EventStreamClient.open(port: service.port, "/v1/signals/dead_letter/stream")
            #expect(stream.status == 200)
            #expect(stream.contentType == "text/event-stream")
            #expect(try await stream.next()?.comment == "dead_letter from position 0")
            #expect(try await service.post((0..<5).map(Self.malformed).joined(separator: "\n")).status == 200)
            let first = try await stream.events(5)
            #expect(first.map(\.id) == [0, 1, 2, 3, 4])
            #expect(first.allSatisfy { $0.event == "dead_letter" })
            // Lines without a conversation id spread over the partitions: their order is that of consumption.
            #expect(first.compactMap(Self.raw).sorted() == (0..<5).map(Self.malformed))

            // Gone while three more are committed; back with the last id it saw.
            #expect(try await service.post((5..<8).map(Self.malformed).joined(separator: "\n")).status == 200)
            try await service.eventually {
                try await service.get("/v1/signals/dead_letter").headers["flywheel-committed-end"] == "8"
            }
            var resumed = try await EventStreamClient.open(
                port: service.port, "/v1/signals/dead_letter/stream", headers: ["Last-Event-ID": "4"])
            let rest = try await resumed.events(3)
            #expect(rest.map(\.id) == [5, 6, 7])
            #expect(rest.compactMap(Self.raw).sorted() == (5..<8).map(Self.malformed))
            var from = try await EventStreamClient.open(port: service.port, "/v1/signals/dead_letter/stream?from=6")
            #expect(try await from.events(2).map(\.id) == [6, 7])

            // A stream without a start position tails: only what is committed after it opened.
            var tail = try await EventStreamClient.open(port: service.port, "/v1/signals/dead_letter/stream")
            #expect(try await tail.next()?.comment == "dead_letter from position 8")
            #expect(try await service.post(Self.malformed(8)).status == 200)
            let next = try await tail.events(1)
            #expect(next.map(\.id) == [8])
            #expect(next.map(Self.raw) == [Self.malformed(8)])
            #expect(try await resumed.events(1).map(\.id) == [8])

            let bad = try await service.get("/v1/signals/dead_letter/stream?since=2026-11-18T00:00:00Z")
            #expect(bad.status == 400)
            #expect(try await service.get("/v1/signals/dead_letter/stream?limit=3").status == 400)
            #expect(try await service.get("/v1/signals/nothing/stream").status == 404)
            let badID = try await EventStreamClient.open(
                port: service.port, "/v1/signals/dead_letter/stream", headers: ["Last-Event-ID": "x"])
            #expect(badID.status == 400)
        }
    }

    @Test func idleStreamsGetHeartbeatsAndShutdownEndsThem() async throws {
        let folder = try TemporaryFolder("serve-stream-stop")
        defer { folder.remove() }
        var configuration = try ServiceHarness.configuration(data: folder.path, yaml: Self.pipeline)
        configuration.streamHeartbeat = .milliseconds(300)
        var reader: Task<[EventStreamClient.Block], any Error>?
        try await ServiceHarness.run(configuration) { service in
            try await service.eventually { service.server.status.isReady }
            let heard = Latch()
            // Reads to the end of the stream, which only the shutdown that follows the body brings.
            reader = Task {
                var stream = try await EventStreamClient.open(port: service.port, "/v1/signals/preference_pair/stream")
                var blocks: [EventStreamClient.Block] = []
                while let block = try await stream.next() {
                    blocks.append(block)
                    if block.comment == "heartbeat" { await heard.open() }
                }
                await heard.open()
                return blocks
            }
            await heard.wait()
        }
        // The service stopped (the harness waited for every service): the stream ended with it, cleanly.
        let blocks = try await #require(reader).value
        #expect(blocks.first?.comment == "preference_pair from position 0")
        #expect(blocks.count >= 2)
        #expect(blocks.dropFirst().allSatisfy { $0.comment == "heartbeat" })
    }

    @Test func aPipelineWithoutSignalTopicsSaysWhichSinkToAdd() async throws {
        let folder = try TemporaryFolder("serve-read-nosink")
        defer { folder.remove() }
        let yaml = "sinks: { files: { kind: folder, path: signals } }\n"
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path, yaml: yaml)) { service in
            for path in ["/v1/signals/model_quality", "/v1/signals/model_quality/stream", "/v1/compare?a=x&b=y"] {
                let answer = try await service.get(path)
                #expect(answer.status == 409, "\(path)")
                #expect(answer.json["code"] as? String == "no_signal_topic")
                #expect((answer.json["error"] as? String)?.contains("kind: topic, prefix: \"signals.\"") == true)
            }
        }
    }
}
