import FlywheelConnectors
import FlywheelService
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// `GET /v1/stats` and `GET /metrics` of a service fed with a generated log.
@Suite(.timeLimit(.minutes(5)))
struct StatsTests {
    /// Checkpoints often; W moves with event time only (no idle advance: on a loaded machine it could pass the
    /// whole log while it is being posted, and make the rest late).
    static let yaml = """
        time: { idle_advance: none }
        checkpoint: { interval: 200ms }
        """

    /// A generated log's lines: a few malformed and duplicated ones among them.
    static func lines(in folder: TemporaryFolder, conversations: Int = 80) throws -> [[UInt8]] {
        let log = try folder.generatedLog("log.jsonl") {
            $0.conversations = conversations
            $0.seed = 15
            $0.duplicateRate = 0.03
            $0.malformedRate = 0.02
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: log))
        return bytes.split(separator: UInt8(ascii: "\n")).map { Array($0) }
    }

    /// What the posts were answered: requests, accepted lines, rejected lines by reason.
    struct Posted {
        var requests = 0
        var accepted = 0
        var rejected: [String: Int] = [:]
        /// The lines not rejected.
        var acceptedLines: [[UInt8]] = []
    }

    static func post(_ lines: [[UInt8]], to service: ServiceHarness, chunk: Int = 250) async throws -> Posted {
        var posted = Posted()
        for start in stride(from: 0, to: lines.count, by: chunk) {
            let part = Array(lines[start..<min(lines.count, start + chunk)])
            let answer = try await service.post(part.flatMap { $0 + [0x0A] })
            try #require(answer.status == 200, "\(answer.body)")
            posted.requests += 1
            posted.accepted += answer.accepted ?? 0
            let rejected = Set(answer.rejected.map(\.index))
            for rejection in answer.rejected { posted.rejected[rejection.reason, default: 0] += 1 }
            posted.acceptedLines += part.indices.filter { !rejected.contains($0) }.map { part[$0] }
        }
        return posted
    }

    @Test func statsCountersEqualTheCountersFileAndAReplayAndLagGoesToZero() async throws {
        let folder = try TemporaryFolder("serve-stats")
        defer { folder.remove() }
        let lines = try Self.lines(in: folder)
        let data = folder.file("data")
        // One partition: the live job then counts exactly what a replay does (CONTRACT section 8).
        try EmbeddedLog(directory: data).createTopic(Topic(name: "events", partitions: 1))
        try await ServiceHarness.run(try ServiceHarness.configuration(data: data, yaml: Self.yaml)) { service in
            try await service.eventually { service.server.status.isReady }
            let posted = try await Self.post(lines, to: service)
            let total = Int64(lines.count)
            // Everything consumed, then covered by a checkpoint.
            try await service.eventually {
                let stats = try await service.get("/v1/stats").json
                let lag = stats["lag"] as? [String: Any]
                return (lag?["total"] as? Int) == 0 && (lag?["committed_total"] as? Int) == 0
                    && Self.counter(stats, "running", "events_in") == total
                    && Self.counter(stats, "counters", "events_in") == total
            }
            let stats = try await service.get("/v1/stats").json
            let lag = try #require(stats["lag"] as? [String: Any])
            let partitions = try #require(lag["partitions"] as? [[String: Any]])
            #expect(partitions.count == 1)
            #expect(partitions.reduce(0) { $0 + ($1["end_offset"] as? Int ?? 0) } == lines.count)
            #expect(partitions.allSatisfy { $0["consumed"] as? Int == $0["end_offset"] as? Int })
            // The counters as of the last checkpoint are DIR/counters.json, read while no checkpoint changed them.
            try await service.eventually {
                let before = try await service.get("/v1/stats").json
                let file = try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: folder.file("data/counters.json"))))
                let after = try await service.get("/v1/stats").json
                guard let counters = before["counters"] as? NSDictionary,
                    counters == after["counters"] as? NSDictionary,
                    Self.checkpointID(before) == Self.checkpointID(after)
                else { return false }
                #expect(counters == file as? NSDictionary)
                return true
            }
            // The ingest's totals are what the posts were answered.
            let ingest = try #require(stats["ingest"] as? [String: Any])
            #expect(ingest["requests"] as? Int == posted.requests)
            #expect(ingest["acknowledged_requests"] as? Int == posted.requests)
            #expect(ingest["events_accepted"] as? Int == posted.accepted)
            #expect(ingest["events_rejected"] as? Int == posted.rejected.values.reduce(0, +))
            #expect(ingest["rejected_by_reason"] as? [String: Int] == posted.rejected)
            #expect(ingest["records_appended"] as? Int == lines.count)
            #expect((ingest["fsyncs"] as? Int ?? 0) >= 1)
            #expect(!posted.rejected.isEmpty)
            // The pipeline's verdicts agree with the ingest's and with a replay of the events topic. (signals_out
            // differs: a replay ends with W at +infinity and closes every window.)
            #expect(Self.counter(stats, "counters", "invalid_events") == Int64(posted.rejected.values.reduce(0, +)))
            let replay = try await Self.replay(data: data, out: folder.file("replay"))
            #expect(Self.counter(stats, "counters", "events_in") == replay.eventsIn)
            #expect(Self.counter(stats, "counters", "invalid_events") == replay.invalidEvents)
            #expect(Self.counter(stats, "counters", "duplicates_dropped") == replay.duplicatesDropped)
            #expect(Self.counter(stats, "counters", "late_events") == replay.lateEvents)
            #expect(Self.counter(stats, "counters", "events_accepted") == replay.eventsAccepted)
            #expect(replay.duplicatesDropped > 0 && replay.eventsAccepted > 0)
            // W, uptime and the last checkpoint are there.
            let watermark = try #require(stats["watermark"] as? [String: Any])
            #expect((watermark["delay_seconds"] as? Double ?? 0) > 0)
            let checkpoint = try #require(stats["checkpoint"] as? [String: Any])
            #expect((checkpoint["bytes"] as? Int ?? 0) > 0 && (checkpoint["state_bytes"] as? Int ?? 0) > 0)
            #expect((checkpoint["completed_this_run"] as? Int ?? 0) >= 1)
            #expect((stats["uptime_seconds"] as? Double ?? -1) >= 0)
            #expect(stats["ready"] as? Bool == true)
        }
    }

    @Test func metricsAreValidPrometheusTextWithTheDocumentedSeries() async throws {
        let folder = try TemporaryFolder("serve-metrics")
        defer { folder.remove() }
        let lines = try Self.lines(in: folder, conversations: 40)
        try await ServiceHarness.run(
            try ServiceHarness.configuration(data: folder.file("data"), yaml: Self.yaml)
        ) { service in
            try await service.eventually { service.server.status.isReady }
            let posted = try await Self.post(lines, to: service, chunk: 100)
            #expect(try await service.get("/healthz").status == 200)
            try await service.eventually {
                let stats = try await service.get("/v1/stats").json
                return ((stats["lag"] as? [String: Any])?["total"] as? Int) == 0
                    && Self.counter(stats, "counters", "events_in") == Int64(lines.count)
            }
            let answer = try await service.get("/metrics")
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let metrics = try PrometheusText(answer.body)
            let events = [
                "http_route": "/v1/events", "http_request_method": "POST", "http_response_status_code": "200",
            ]
            #expect(metrics.types["http_server_request_duration_seconds"] == "histogram")
            #expect(metrics.sum("http_server_request_duration_seconds_count", events) == Double(posted.requests))
            #expect(metrics.sum("http_server_request_duration_seconds_count", ["http_route": "/healthz"]) == 1)
            #expect(metrics.sum("flywheel_ingest_requests_total") == Double(posted.requests))
            #expect(metrics.sum("flywheel_ingest_events_total") == Double(posted.accepted))
            for reason in ["malformed_json", "missing_field", "invalid_field", "unresolved_reference", "too_large"] {
                #expect(
                    metrics.sum("flywheel_ingest_rejected_events_total", ["reason": reason])
                        == Double(posted.rejected[reason] ?? 0), "reason \(reason)")
            }
            let fsyncs = try #require(metrics.sum("flywheel_ingest_fsyncs_total"))
            #expect(fsyncs >= 1 && metrics.sum("flywheel_ingest_fsync_duration_seconds_count") == fsyncs)
            #expect(metrics.sum("flywheel_ingest_group_commits_total").map { $0 >= 1 } == true)
            #expect(metrics.sum("flywheel_events_in_total") == Double(lines.count))
            #expect(
                metrics.sum("flywheel_invalid_events_total") == Double(posted.rejected.values.reduce(0, +)))
            #expect(metrics.sum("flywheel_events_accepted_total").map { $0 > 0 } == true)
            #expect(metrics.values("flywheel_signals_out_total").count == SignalKind.allCases.count)
            #expect(metrics.values("flywheel_consumer_lag_records", ["topic": "events"]) == [0, 0, 0, 0])
            #expect(metrics.sum("flywheel_watermark_delay_seconds").map { $0 > 0 } == true)
            let checkpoints = try #require(metrics.sum("flywheel_checkpoints_total"))
            #expect(checkpoints >= 1 && metrics.sum("flywheel_checkpoint_duration_seconds_count") == checkpoints)
            #expect(metrics.sum("flywheel_checkpoint_size_bytes").map { $0 > 0 } == true)
            #expect(metrics.sum("flywheel_state_size_bytes").map { $0 > 0 } == true)
            #expect(metrics.sum("flywheel_uptime_seconds").map { $0 >= 0 } == true)
            #expect(metrics.sum("flywheel_ready") == 1)
            // GenAI: one token-usage sample per response with tokens, one duration per response with a latency.
            let responses = Self.responseFigures(posted.acceptedLines)
            #expect(responses.input > 0)
            #expect(metrics.sum("gen_ai_client_token_usage_count", ["gen_ai_token_type": "input"]) == responses.input)
            #expect(
                metrics.sum("gen_ai_client_token_usage_count", ["gen_ai_token_type": "output"]) == responses.output)
            #expect(metrics.sum("gen_ai_client_operation_duration_seconds_count") == responses.latency)
            #expect(metrics.types["gen_ai_client_token_usage"] == "histogram")
            // Every family is lowercase, and every counter's samples end in _total.
            for sample in metrics.samples { #expect(sample.name == sample.name.lowercased()) }
            for (name, type) in metrics.types where type == "counter" { #expect(name.hasSuffix("_total"), "\(name)") }
        }
    }

    @Test func prometheusParserRejectsWhatIsNotASample() throws {
        let text = """
            # TYPE a_total counter
            a_total{x="1",y="q\\"uote"} 3
            b 2.5
            """
        let parsed = try PrometheusText(text)
        #expect(
            parsed.samples == [
                .init(name: "a_total", labels: ["x": "1", "y": "q\"uote"], value: 3),
                .init(name: "b", labels: [:], value: 2.5),
            ])
        #expect(parsed.types == ["a_total": "counter"])
        #expect(throws: PrometheusText.ParseError.self) { try PrometheusText("a{x=1} 2") }
        #expect(throws: PrometheusText.ParseError.self) { try PrometheusText("a 2 3 4") }
        #expect(throws: PrometheusText.ParseError.self) { try PrometheusText("a{x=\"1\"} many") }
    }

    // MARK: Helpers

    static func counter(_ stats: [String: Any], _ section: String, _ name: String) -> Int64? {
        ((stats[section] as? [String: Any])?[name] as? NSNumber)?.int64Value
    }

    static func checkpointID(_ stats: [String: Any]) -> Int? { (stats["checkpoint"] as? [String: Any])?["id"] as? Int }

    /// The counters of a replay of the events topic in `data`.
    static func replay(data: String, out: String) async throws -> SignalCounters {
        var options = ReplayOptions(inputs: ["topic:events"], outputPath: out)
        options.dataDir = data
        return try await ReplayJob.run(options).counters
    }

    /// Among accepted lines, the responses with input tokens, with output tokens, with a latency.
    static func responseFigures(_ lines: [[UInt8]]) -> (input: Double, output: Double, latency: Double) {
        var figures = (input: 0.0, output: 0.0, latency: 0.0)
        for line in lines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                object["type"] as? String == "response"
            else { continue }
            if (object["tokens_in"] as? NSNumber)?.int64Value ?? 0 > 0 { figures.input += 1 }
            if (object["tokens_out"] as? NSNumber)?.int64Value ?? 0 > 0 { figures.output += 1 }
            if object["latency_ms"] is NSNumber { figures.latency += 1 }
        }
        return figures
    }
}
