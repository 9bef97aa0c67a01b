import FlywheelConnectors
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelInspect

/// Any producer of a signal topic can write any number: inspect, report, --compare and --follow show every
/// read-out without trapping, whatever a numeric field holds.
struct ExtremeNumberTests {
    static let extremes = [
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-1", "0", "1e308", "-1e308",
        "2.5", "-0.5", "1e-300", "1e999",
    ]
    static let qualityFields = [
        "responses", "feedback_up", "feedback_down", "regenerations", "copies", "errors", "tokens_in", "tokens_out",
        "latency_ms_mean", "latency_ms_p50", "latency_ms_p95", "latency_ms_p99",
    ]
    static let alertFields = ["down_rate", "feedback"]
    static let counterFields = [
        "events_in", "invalid_events", "duplicates_dropped", "late_events", "events_accepted",
        "unresolved_references",
    ]

    /// A model_quality record of `variant` in window `minute` with ordinary values, `overrides` replacing some.
    static func quality(variant: String, minute: Int, _ overrides: [String: String]) -> String {
        var fields: [String: String] = [
            "responses": "100", "feedback_up": "4", "feedback_down": "2", "regenerations": "1", "copies": "1",
            "errors": "1", "tokens_in": "600", "tokens_out": "3000", "latency_ms_mean": "900.5",
            "latency_ms_p50": "800", "latency_ms_p95": "1500", "latency_ms_p99": "2000",
        ]
        fields.merge(overrides) { $1 }
        let numbers = qualityFields.map { "\"\($0)\": \(fields[$0] ?? "0")" }.joined(separator: ", ")
        return #"{"signal": "model_quality", "window_start": "2026-11-18T11:0\#(minute):00.000Z", "#
            + #""window_end": "2026-11-18T11:0\#(minute + 1):00.000Z", "model": "atlas", "variant": "\#(variant)", "#
            + numbers + "}"
    }

    static func alert(_ overrides: [String: String]) -> String {
        #"{"signal": "quality_alert", "window_start": "2026-11-18T11:00:00.000Z", "#
            + #""window_end": "2026-11-18T11:01:00.000Z", "model": "atlas", "variant": "control", "#
            + #""down_rate": \#(overrides["down_rate"] ?? "0.6"), "feedback": \#(overrides["feedback"] ?? "20")}"#
    }

    /// A replay output folder whose records and counters carry `overrides`.
    static func folder(_ overrides: [String: String]) throws -> TemporaryFolder {
        let folder = try TemporaryFolder("inspect-extreme")
        let counters = counterFields.map { "\"\($0)\": \(overrides[$0] ?? "5")" }.joined(separator: ", ")
        _ = try folder.write("summary.json", "{\(counters), \"signals_out\": {\"model_quality\": 4}}\n")
        let lines = (0..<2).flatMap { minute in
            ["control", "treatment"].map { quality(variant: $0, minute: minute, overrides) }
        }
        _ = try folder.write("model_quality.jsonl", lines.joined(separator: "\n") + "\n")
        _ = try folder.write("quality_alert.jsonl", alert(overrides) + "\n")
        return folder
    }

    /// Every read-out of the folder: text, JSON, CSV, the A/B comparison, the HTML report, and --follow.
    static func everyReadOut(_ folder: TemporaryFolder) throws -> (text: String, json: String) {
        let options = InspectOptions(sourcePath: folder.path)
        let data = try InspectLoader.load(options)
        let text = InspectTextRenderer(terminal: Terminal(), options: options).render(data)
        let json = data.json(limit: 5)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["groups"] != nil, "not a read-out: \(json.prefix(200))")
        _ = data.csv(kind: nil, limit: 5)
        _ = data.csv(kind: .qualityAlert, limit: 5)
        let comparison = try VariantComparison.make(data, a: "control", b: "treatment")
        _ = comparison.text(Terminal())
        #expect(try JSONSerialization.jsonObject(with: Data(comparison.json().utf8)) is [String: Any])
        _ = comparison.csv()
        let html = HTMLReport(data: data).render()
        #expect(
            html.range(of: #"[">, ]-?(nan|inf)"#, options: .regularExpression) == nil,
            "the report shows a non-finite number")
        var follower = try InspectFollower(options: options, terminal: Terminal())
        #expect(try follower.poll().lines.count == 4)
        return (text, json)
    }

    /// Reads the folder every way; a number beyond a double (1e999) in a field a record needs makes it a bad
    /// record, which must then be a clean error naming the file and line.
    static func readOrRefuse(_ overrides: [String: String], beyondDouble: Bool) throws {
        let folder = try Self.folder(overrides)
        defer { folder.remove() }
        do {
            _ = try everyReadOut(folder)
        } catch let error as InspectError {
            #expect(beyondDouble && error.code == .badRecord, "\(overrides): \(error.message)")
            #expect(error.message.contains(".json"), "names the file: \(error.message)")
        }
    }

    @Test(arguments: extremes)
    func everyFieldAtOnceNeverTraps(value: String) throws {
        let fields = Self.qualityFields + Self.alertFields + Self.counterFields
        try Self.readOrRefuse(
            Dictionary(uniqueKeysWithValues: fields.map { ($0, value) }), beyondDouble: value == "1e999")
    }

    @Test(arguments: qualityFields + alertFields + counterFields)
    func oneFieldAtATimeNeverTraps(field: String) throws {
        for value in Self.extremes {
            try Self.readOrRefuse([field: value], beyondDouble: value == "1e999")
        }
    }

    @Test func tokensPastInt64ShowAsTheLargestCountNotACrash() throws {
        let folder = try Self.folder(["tokens_in": "9223372036854775807"])
        defer { folder.remove() }
        let (text, json) = try Self.everyReadOut(folder)
        #expect(json.contains("\"tokens_in\" : 9223372036854775807"))
        #expect(text.contains("9223.4P"), "tokens in + out held at Int64.max and shown with a suffix")
        #expect(!text.contains("warning:"), "exact integers are taken as they are")
    }

    /// A producer of a signal topic writes the records: inspect reads them as from a file.
    @Test func topicRecordsAtInt64MaxAreShownNotACrash() throws {
        let folder = try TemporaryFolder("inspect-extreme-topic")
        defer { folder.remove() }
        let topic = try InspectTopicTests.createTopic("signals", in: folder)
        let max = "9223372036854775807"
        for minute in 0..<2 {
            let line = Self.quality(variant: "control", minute: minute, ["tokens_in": max, "responses": max])
            _ = try topic.partitions[minute % 3].append([LogRecord(timestamp: Int64(minute), key: nil, value: line)])
        }
        let options = InspectTopicTests.topicOptions("signals", folder)
        let data = try InspectLoader.load(options)
        #expect(data.groups.first?.tokensIn == Int64.max && data.groups.first?.responses == Int64.max)
        #expect(InspectTextRenderer(terminal: Terminal(), options: options).render(data).contains("9223.4P"))
        _ = HTMLReport(data: data).render()
    }

    @Test func numbersAFieldCannotTakeAreClampedWithAWarning() throws {
        let folder = try Self.folder(["latency_ms_p99": "1e308", "tokens_out": "2.5"])
        defer { folder.remove() }
        let (text, json) = try Self.everyReadOut(folder)
        #expect(text.contains("warning: 4 records hold numbers their fields cannot take"))
        #expect(text.contains("1e+250"), "a clamped latency shows in a few characters")
        #expect(json.contains("\"tokens_out\" : 4"), "2.5 tokens per window, rounded toward zero, over 2 windows")
    }
}
