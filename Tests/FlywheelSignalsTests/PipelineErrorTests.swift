import Foundation
import Testing

@testable import FlywheelSignals

/// One bad pipeline and the error it must give.
struct BadPipeline: Sendable, CustomTestStringConvertible {
    let lines: [String]
    let code: PipelineError.Code
    let line: Int?
    let key: String?

    init(_ lines: [String], _ code: PipelineError.Code, line: Int?, key: String?) {
        self.lines = lines
        self.code = code
        self.line = line
        self.key = key
    }

    var testDescription: String { "\(code) at \(line.map(String.init) ?? "-"): \(lines.joined(separator: " / "))" }
}

struct PipelineErrorTests {
    private static func error(_ lines: [String], path: String? = "pipeline.yaml") -> PipelineError? {
        do {
            _ = try PipelineConfig.parse(yaml: lines.joined(separator: "\n"), path: path)
            return nil
        } catch {
            return error
        }
    }

    static let unknownKeys: [BadPipeline] = [
        .init(["time:", "  idle_timeout: 10s", "sink: x"], .unknownKey, line: 3, key: "sink"),
        .init(["time:", "  max_out_of_orderness: 5s", "  idle: 5s"], .unknownKey, line: 3, key: "time.idle"),
        .init(["enrich:", "  catalog: m.yaml"], .unknownKey, line: 2, key: "enrich.catalog"),
        .init(["signals:", "  model_quality: {}", "  sft: {}"], .unknownKey, line: 3, key: "signals.sft"),
        .init(
            ["signals:", "  model_quality: { window: 60s, size: 5s }"], .unknownKey, line: 2,
            key: "signals.model_quality.size"),
        .init(["signals:", "  sft_example:", "    gap: 5s"], .unknownKey, line: 3, key: "signals.sft_example.gap"),
        .init(
            ["signals:", "  quality_alert: { min_feedback: 2, window: 5s }"], .unknownKey, line: 2,
            key: "signals.quality_alert.window"),
        .init(["", "# comment", "Time: {}"], .unknownKey, line: 3, key: "Time"),
    ]

    static let badValues: [BadPipeline] = [
        .init(
            ["time:", "  allowed_lateness: 0s", "", "  dedup_ttl: 5 parsecs"], .badDuration, line: 4,
            key: "time.dedup_ttl"),
        .init(
            ["signals:", "  conversation_summary: { gap: 1.5h }"], .badDuration, line: 2,
            key: "signals.conversation_summary.gap"),
        .init(["time:", "  idle_timeout: 30"], .badDuration, line: 2, key: "time.idle_timeout"),
        .init(["time:", "  allowed_lateness: -1s"], .badDuration, line: 2, key: "time.allowed_lateness"),
        .init(
            ["signals:", "  preference_pair:", "    join_ttl:", "      30 m"], .badDuration, line: 4,
            key: "signals.preference_pair.join_ttl"),
        .init(["time:", "  max_event_bytes: 1MB"], .badSize, line: 2, key: "time.max_event_bytes"),
        .init(["time:", "  max_event_bytes: 128MiB"], .badValue, line: 2, key: "time.max_event_bytes"),
        .init(["time:", "  max_event_bytes: 1023B"], .badValue, line: 2, key: "time.max_event_bytes"),
        .init(["time:", "  idle_timeout: 0s"], .badValue, line: 2, key: "time.idle_timeout"),
        .init(["time:", "  idle_timeout:"], .badValue, line: 2, key: "time.idle_timeout"),
        .init(
            ["signals:", "  model_quality: { window: 0ms }"], .badValue, line: 2, key: "signals.model_quality.window"),
        .init(
            ["signals:", "  preference_pair: { join_ttl: 0 }"], .badValue, line: 2,
            key: "signals.preference_pair.join_ttl"),
        .init(
            ["signals:", "  conversation_summary: { gap: 0m }"], .badValue, line: 2,
            key: "signals.conversation_summary.gap"),
        .init(
            ["signals:", "  quality_alert:", "    min_feedback: 0"], .badValue, line: 3,
            key: "signals.quality_alert.min_feedback"),
        .init(
            ["signals:", "  quality_alert: { min_feedback: 2.5 }"], .badValue, line: 2,
            key: "signals.quality_alert.min_feedback"),
        .init(
            ["signals:", "  quality_alert: { min_feedback: \"20\" }"], .badValue, line: 2,
            key: "signals.quality_alert.min_feedback"),
        .init(
            ["signals:", "  quality_alert: { max_down_rate: 0 }"], .badValue, line: 2,
            key: "signals.quality_alert.max_down_rate"),
        .init(
            ["signals:", "  quality_alert: { max_down_rate: 1.01 }"], .badValue, line: 2,
            key: "signals.quality_alert.max_down_rate"),
        .init(
            ["signals:", "  quality_alert: { max_down_rate: half }"], .badValue, line: 2,
            key: "signals.quality_alert.max_down_rate"),
        .init(
            ["signals:", "  quality_alert: { max_down_rate: .nan }"], .badValue, line: 2,
            key: "signals.quality_alert.max_down_rate"),
        .init(["name: ''"], .badValue, line: 1, key: "name"),
        .init(["enrich:", "  model_catalog: \"\""], .badValue, line: 2, key: "enrich.model_catalog"),
    ]

    static let badTypes: [BadPipeline] = [
        .init(["time: 5s"], .badType, line: 1, key: "time"),
        .init(["signals:", "  - model_quality"], .badType, line: 2, key: "signals"),
        .init(["time:", "  idle_timeout: [1s]"], .badType, line: 2, key: "time.idle_timeout"),
        .init(["signals:", "  model_quality: on"], .badType, line: 2, key: "signals.model_quality"),
        .init(["enrich:", "  model_catalog: { path: m.yaml }"], .badType, line: 2, key: "enrich.model_catalog"),
        .init(["description:", "  - a", "  - b"], .badType, line: 2, key: "description"),
        .init(["- time", "- signals"], .badType, line: 1, key: nil),
        .init(["just some text"], .badType, line: 1, key: nil),
        .init(["time:", "  [a]: 5s"], .badType, line: 2, key: "time"),
    ]

    static let dedupOrder: [BadPipeline] = [
        .init(["time:", "  allowed_lateness: 2h", "  dedup_ttl: 1h"], .badValue, line: 3, key: "time.dedup_ttl"),
        .init(["time:", "  dedup_ttl: 10m", "  allowed_lateness: 10m"], .badValue, line: 2, key: "time.dedup_ttl"),
        .init(["time:", "  allowed_lateness: 1h"], .badValue, line: 2, key: "time.allowed_lateness"),
        .init(["time:", "  dedup_ttl: 0s"], .badValue, line: 2, key: "time.dedup_ttl"),
    ]

    static let syntax: [BadPipeline] = [
        .init(["time:", "  idle_timeout: 5s", "   dedup_ttl: 1h"], .yamlSyntax, line: 3, key: nil),
        .init(["time:", "\tidle_timeout: 5s"], .yamlSyntax, line: 2, key: nil),
        .init(["time:", "  idle_timeout: 5s", "  idle_timeout: 6s"], .yamlSyntax, line: 2, key: nil),
        .init(["signals: { model_quality: {}", "time: {}"], .yamlSyntax, line: 2, key: nil),
        .init(["time: {}", "---", "signals: {}"], .yamlSyntax, line: 2, key: nil),
        .init(["name: \"unterminated"], .yamlSyntax, line: 1, key: nil),
        .init(["time: *nowhere"], .yamlSyntax, line: 1, key: nil),
    ]

    @Test(arguments: unknownKeys + badValues + badTypes + dedupOrder + syntax)
    func badPipelineNamesCodeLineAndKey(bad: BadPipeline) throws {
        let error = try #require(Self.error(bad.lines))
        #expect(error.code == bad.code, "\(error)")
        #expect(error.line == bad.line, "\(error)")
        #expect(error.key == bad.key, "\(error)")
        #expect(error.file == "pipeline.yaml")
    }

    @Test func descriptionReadsFileLineKeyAndMessage() throws {
        let error = try #require(Self.error(["time:", "  max_out_of_orderness: 5s", "", "  dedup_ttl: 5 parsecs"]))
        let expected =
            "pipeline.yaml:4: time.dedup_ttl: bad duration \"5 parsecs\": expected a number with a unit ms, s, m, h "
            + "or d, e.g. 250ms, 5s, 30m, 1h"
        #expect(error.description == expected)
    }

    @Test func textWithoutPathIsCalledPipeline() throws {
        let error = try #require(Self.error(["time:", "  max_event_bytes: 1MB"], path: nil))
        #expect(error.file == "<pipeline>")
        #expect(error.description.hasPrefix("<pipeline>:2: time.max_event_bytes: bad size \"1MB\": "))
        #expect(error.message.contains("B, KiB, MiB or GiB"))
    }

    @Test func dedupErrorNamesBothValues() throws {
        let error = try #require(Self.error(["time:", "  allowed_lateness: 2h", "  dedup_ttl: 90m"]))
        #expect(error.message == "dedup_ttl (90m) must be greater than allowed_lateness (2h)")
    }

    @Test func unknownKeyListsTheValidKeys() throws {
        let error = try #require(Self.error(["signals:", "  model_quality: { windw: 5s }"]))
        #expect(error.message == "unknown key \"windw\"; valid keys here: window")
        let top = try #require(Self.error(["source: []"]))
        let keys = "name, description, time, enrich, signals, exports, sources, sinks, checkpoint, service"
        #expect(top.message.hasSuffix(keys))
    }

    @Test func eventBytesRangeIsStated() throws {
        let error = try #require(Self.error(["time: { max_event_bytes: 65MiB }"]))
        #expect(error.message == "must be between 1KiB and 64MiB, got 65MiB")
    }

    @Test func missingFileIsUnreadableAndNamesThePath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString).yaml")
        #expect(
            throws: PipelineError(
                code: .fileUnreadable, message: "pipeline file not found (no such file)",
                file: path.path)
        ) {
            try PipelineConfig.load(path: path.path)
        }
    }

    @Test func folderIsUnreadable() throws {
        try withPipelineTempFolder { folder in
            let error = #expect(throws: PipelineError.self) { try PipelineConfig.load(path: folder.path) }
            #expect(error?.code == .fileUnreadable)
            #expect(error?.file == folder.path)
        }
    }

    @Test func loadReportsErrorsWithTheFilePath() throws {
        try withPipelineTempFolder { folder in
            let path = try writePipelineTestFile(["time:", "  idle_timeout: soon"], named: "p.yaml", in: folder)
            let error = #expect(throws: PipelineError.self) { try PipelineConfig.load(path: path) }
            #expect(error?.description.hasPrefix("\(path):2: time.idle_timeout: bad duration \"soon\"") == true)
        }
    }
}
