import AsyncHTTPClient
import FlywheelConnectors
import FlywheelTesting
import Foundation
import NIOCore
import SwiftProtobuf
import Testing

@testable import FlywheelService

/// OTLP/HTTP ingest (`POST /v1/traces`, `POST /v1/logs`) on a service started in-process: the answers, the
/// appended events, and the signals computed from them.
@Suite(.timeLimit(.minutes(5)))
struct OTLPIngestTests {
    /// The Python client's pipeline: wide out-of-orderness, W by event time only (`idle_advance: none`), and an
    /// end marker two hours later, posted once the client is done, releases the signals. With the idle advance,
    /// W followed the wall clock one second after the spans and a loaded machine's exporter sent the rest more
    /// than 10 s after their time: they were late, no pair formed and the test waited out its time limit
    /// (2026-12-08; the folder showed `late_events` 2).
    static let pipeline = """
        time: { max_out_of_orderness: 10s, idle_timeout: 1s, idle_advance: none }
        checkpoint: { interval: 500ms }
        signals:
          model_quality: { window: 10s }
          preference_pair: {}
        """

    @Test func protobufExportIsAppendedAndAnsweredInProtobuf() async throws {
        let folder = try TemporaryFolder("otlp-protobuf")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            var request = OTLPMapper.TraceRequest()
            var skipped = OTLPMappingTests.chatSpan()
            skipped.attributes.removeAll { $0.key == "gen_ai.operation.name" }
            var noModel = OTLPMappingTests.chatSpan(input: nil, span: Data(repeating: 9, count: 8))
            noModel.attributes.removeAll { $0.key == "gen_ai.request.model" || $0.key == "gen_ai.response.model" }
            request.resourceSpans = [OTLPMappingTests.resourceSpans([OTLPMappingTests.chatSpan(), skipped, noModel])]
            let body: [UInt8] = try request.serializedBytes()
            let answer = try await service.otlp("/v1/traces", body, contentType: "application/x-protobuf")
            #expect(answer.status == 200 && answer.headers["content-type"] == "application/x-protobuf")
            let response = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse(
                serializedBytes: answer.body)
            #expect(response.partialSuccess.rejectedSpans == 1)
            let message = response.partialSuccess.errorMessage
            #expect(message.contains("rejected 1 span: event otel:") && message.contains("missing_field model"))
            #expect(message.contains("skipped 1 span without GenAI chat data"), "\(message)")
            // Durable before the answer: both spans' events (the invalid response too, for the dead letters).
            let lines = try service.eventsTopic().flatMap { $0 }
            #expect(lines.count == 4)
            #expect(lines.filter { $0.contains(#""type":"response""#) }.count == 2)

            // A retried export appends the same event ids again: the pipeline drops the copies.
            _ = try await service.otlp("/v1/traces", body, contentType: "application/x-protobuf")
            let again = try service.eventsTopic().flatMap { $0 }
            #expect(Set(again.map(Self.eventId)) == Set(lines.map(Self.eventId)))
            // The ingest stats count the events appended, as for POST /v1/events (the copies too: the pipeline,
            // not the ingest, drops them).
            let ingest = try #require(try await service.get("/v1/stats").json["ingest"] as? [String: Any])
            #expect(ingest["events_accepted"] as? Int == 6 && ingest["events_rejected"] as? Int == 2, "\(ingest)")
            #expect((ingest["rejected_by_reason"] as? [String: Int]) == ["missing_field": 2], "\(ingest)")
        }
    }

    @Test func jsonExportIsAnsweredInJSONAndGzipIsInflated() async throws {
        let folder = try TemporaryFolder("otlp-json")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            var request = OTLPMapper.TraceRequest()
            request.resourceSpans = [OTLPMappingTests.resourceSpans([OTLPMappingTests.chatSpan()])]
            let json = Self.hexIds(try request.jsonString())
            let plain = try folder.write("traces.json", json)
            let answer = try await service.otlp(
                "/v1/traces", Array(try gzipped(plain)), contentType: "application/json", encoding: "gzip")
            #expect(answer.status == 200 && answer.headers["content-type"] == "application/json")
            #expect(String(decoding: answer.body, as: UTF8.self) == "{}")
            let lines = try service.eventsTopic().flatMap { $0 }
            #expect(lines.map(Self.eventId).contains(OTLPMappingTests.spanKey + ":response"))

            let logs = try await service.otlp(
                "/v1/logs", Array(#"{"resourceLogs":[{}]}"#.utf8), contentType: "application/json")
            #expect(logs.status == 200 && String(decoding: logs.body, as: UTF8.self) == "{}")
        }
    }

    @Test func badRequestsGetPreciseStatuses() async throws {
        let folder = try TemporaryFolder("otlp-bad")
        defer { folder.remove() }
        var configuration = try ServiceHarness.configuration(data: folder.path)
        configuration.maxBodyBytes = 64 * 1024
        try await ServiceHarness.run(configuration) { service in
            let text = try await service.otlp("/v1/traces", Array("x".utf8), contentType: "text/plain")
            #expect(text.status == 415)
            #expect(text.json["code"] as? String == "unsupported_media_type")
            #expect((text.json["error"] as? String)?.contains("application/x-protobuf") == true)

            let garbage = try await service.otlp(
                "/v1/traces", [0x0A, 0xFF, 0xFF, 0xFF], contentType: "application/x-protobuf")
            #expect(garbage.status == 400 && garbage.headers["content-type"] == "application/x-protobuf")
            let status = try Google_Rpc_Status(serializedBytes: garbage.body)
            #expect(status.code == 3 && status.message.contains("not a valid OTLP"), "\(status)")

            let badJSON = try await service.otlp(
                "/v1/logs", Array("{\"resourceLogs\":".utf8), contentType: "application/json")
            #expect(badJSON.status == 400 && badJSON.json["code"] as? String == "malformed_body")

            let huge = try await service.otlp(
                "/v1/traces", [UInt8](repeating: 0, count: 65 * 1024), contentType: "application/x-protobuf")
            #expect(huge.status == 413)
            #expect(try Google_Rpc_Status(serializedBytes: huge.body).message.contains("max_body"))

            let deflate = try await service.otlp(
                "/v1/logs", Array("{}".utf8), contentType: "application/json", encoding: "br")
            #expect(deflate.status == 415)
            #expect(try service.eventsTopic().allSatisfy { $0.isEmpty })
        }
    }

    /// An application instrumented with the OpenTelemetry Python SDK and its OTLP exporters (Fixtures/
    /// otel_genai_client.py) sends chat spans and evaluation events; the events topic and the signals show them.
    @Test(arguments: [["--encoding", "protobuf", "--gzip"], ["--encoding", "json"]])
    func pythonSDKExportBecomesChatEventsAndSignals(_ flags: [String]) async throws {
        try await Self.requirePythonSDK()
        let folder = try TemporaryFolder("otlp-python")
        defer { folder.remove() }
        let configuration = try ServiceHarness.configuration(data: folder.path, yaml: Self.pipeline)
        try await ServiceHarness.run(configuration) { service in
            let run = try await FlywheelCLI.run(
                ["python3", Self.fixture, "--endpoint", "http://127.0.0.1:\(service.port)"] + flags,
                environment: ["PYTHONDONTWRITEBYTECODE": "1"], executable: "/usr/bin/env", timeout: 180)
            try #require(run.status == 0, "\(run)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
            try Self.checkAnswers(report, encoding: flags[1])
            try Self.checkEvents(service.eventsTopic().flatMap { $0 }, spans: report)
            let format = ISO8601DateFormatter()
            format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let later = format.string(from: Date().addingTimeInterval(2 * 3600))
            let marker = try await service.post(Events.prompt("end-marker", conversation: "end-marker", at: later))
            try #require(marker.status == 200, "\(marker.body)")
            try await Self.checkSignals(data: folder.path)
        }
    }

    static func checkAnswers(_ report: [String: Any], encoding: String) throws {
        let answers = try #require(report["responses"] as? [[String: Any]])
        #expect(answers.count == 6 + 5, "\(answers)")
        for answer in answers {
            #expect(answer["status"] as? Int == 200, "\(answer)")
            #expect(
                answer["content_type"] as? String
                    == (encoding == "json" ? "application/json" : "application/x-protobuf"))
        }
        let traces = answers.filter { ($0["url"] as? String)?.hasSuffix("/v1/traces") == true }
        let logs = answers.filter { ($0["url"] as? String)?.hasSuffix("/v1/logs") == true }
        #expect(traces.allSatisfy { $0["rejected"] as? Int == 0 })
        #expect(traces.filter { ($0["message"] as? String)?.contains("skipped 1 span") == true }.count == 2)
        #expect(logs.compactMap { $0["rejected"] as? Int }.reduce(0, +) == 1)
        #expect(logs.contains { ($0["message"] as? String)?.contains("score.label 'formal'") == true })
        #expect(logs.contains { ($0["message"] as? String)?.contains("skipped 1 log record") == true })
    }

    static func checkEvents(_ lines: [String], spans report: [String: Any]) throws {
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(events.count == lines.count)
        let sent = try #require((report["sent"] as? [String: Any])?["spans"] as? [String: [String: String]])
        func key(_ name: String) -> String { "otel:\(sent[name]!["trace_id"]!):\(sent[name]!["span_id"]!)" }
        let byId = Dictionary(events.map { ($0["event_id"] as! String, $0) }, uniquingKeysWith: { first, _ in first })
        // 3 distinct prompts (the regeneration repeats the first), 3 responses, 1 error, 4 feedback.
        try #require(events.count == 12 && byId.count == 11, "\(lines)")
        let first = try #require(byId[key("first") + ":response"])
        #expect(first["message_id"] as? String == "resp-1" && first["model"] as? String == "gpt-a")
        #expect(first["text"] as? String == "4" && first["variant"] as? String == "blue")
        #expect(first["tokens_in"] as? Int == 12 && first["tokens_out"] as? Int == 3)
        #expect(first["conversation_id"] as? String == "conv-otel-1" && first["user_id"] as? String == "user-7")
        let second = try #require(byId[key("regenerated") + ":response"])
        #expect(second["parent_id"] as? String == first["parent_id"] as? String)
        let prompt = try #require(byId[first["parent_id"] as! String])
        #expect(prompt["type"] as? String == "prompt" && prompt["text"] as? String == "What is 2+2?")
        let error = try #require(byId[key("failed") + ":error"])
        #expect(error["model"] as? String == "gpt-b" && error["error_code"] as? String == "timeout")
        let feedback = events.filter { $0["type"] as? String == "feedback" }
        #expect(feedback.count == 4)
        #expect(
            Set(feedback.map { "\($0["parent_id"]!) \($0["rating"]!)" })
                == ["resp-1 up", "resp-2 down", "\(key("judged")) up"])
        #expect(feedback.contains { $0["comment"] as? String == "short and right" })
    }

    /// Waits until the signal topics hold what the events make: per (model, variant) over all windows, and the
    /// preference pair of the regeneration rated up and down.
    /// Waits up to 120 s for the expected signals, then fails saying what the folder holds (an unbounded wait
    /// ran into the suite's time limit, after which the cancelled service never finished its shutdown).
    static func checkSignals(data: String) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            let quality = (try? OutputTopic.recordsByKind(data: data, topic: "signals.model_quality"))?["model_quality"]
            let pairs = (try? OutputTopic.recordsByKind(data: data, topic: "signals.preference_pair"))?[
                "preference_pair"]
            let totals = Self.totals(quality ?? [])
            if totals["gpt-a"] == [2, 2, 1, 0, 24, 8] && totals["gpt-b"] == [1, 1, 0, 1, 4, 2], let pair = pairs?.first
            {
                let record = try #require(try JSONSerialization.jsonObject(with: Data(pair.utf8)) as? [String: Any])
                #expect(record["prompt"] as? String == "What is 2+2?" && record["source"] as? String == "feedback")
                #expect(record["chosen"] as? String == "4" && record["rejected"] as? String == "Four.")
                #expect(record["pair_id"] as? String == "resp-1:resp-2" && pairs?.count == 1)
                return
            }
            if ContinuousClock.now > deadline {
                let counters = (try? String(contentsOfFile: data + "/counters.json", encoding: .utf8)) ?? "none"
                Issue.record(
                    "no expected signals after 120 s: totals \(totals), pairs \(pairs ?? []), counters \(counters)")
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// responses, feedback_up, feedback_down, errors, tokens_in, tokens_out by model (variant blue), summed over
    /// windows.
    static func totals(_ records: [String]) -> [String: [Int]] {
        var totals: [String: [Int]] = [:]
        for line in records {
            guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let model = record["model"] as? String, record["variant"] as? String == "blue"
            else { continue }
            let counts = ["responses", "feedback_up", "feedback_down", "errors", "tokens_in", "tokens_out"].map {
                record[$0] as? Int ?? 0
            }
            totals[model] = zip(totals[model] ?? [0, 0, 0, 0, 0, 0], counts).map { $0 + $1 }
        }
        return totals
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/otel_genai_client.py").path

    static func requirePythonSDK() async throws {
        let check = try await FlywheelCLI.run(
            [
                "python3", "-c",
                "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, opentelemetry.exporter.otlp.json.common",
            ], executable: "/usr/bin/env")
        let missing =
            "the OpenTelemetry Python SDK is missing: pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http "
            + "opentelemetry-exporter-otlp-json-common (.ci/run does)"
        #expect(check.status == 0, "\(missing)")
        if check.status != 0 { throw CancellationError() }
    }

    static func eventId(_ line: String) -> String {
        ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["event_id"] as? String ?? ""
    }

    /// The protobuf JSON mapping's base64 ids written as OTLP/JSON's hex.
    static func hexIds(_ json: String) -> String {
        var text = json
        for (bytes, _) in [(OTLPMappingTests.traceID, "traceId"), (OTLPMappingTests.spanID, "spanId")] {
            text = text.replacingOccurrences(of: bytes.base64EncodedString(), with: OTLPIdentifiers.hex(bytes))
        }
        return text
    }
}

extension ServiceHarness {
    /// POSTs an OTLP body to `path`; the answer's body as bytes.
    func otlp(
        _ path: String, _ body: [UInt8], contentType: String?, encoding: String? = nil
    ) async throws -> (status: Int, headers: [String: String], body: [UInt8], json: [String: Any]) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let encoding { request.headers.add(name: "Content-Encoding", value: encoding) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = Array((try await response.body.collect(upTo: 16 << 20)).readableBytesView)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        return (Int(response.status.code), headers, bytes, json)
    }
}
