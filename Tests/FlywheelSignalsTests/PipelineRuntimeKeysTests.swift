import Testing

@testable import FlywheelSignals

/// `sources`, `sinks`, `checkpoint` and `time.idle_advance`: the keys of live runs.
struct PipelineRuntimeKeysTests {
    private typealias SourceSpec = PipelineConfig.SourceSpec
    private typealias SinkSpec = PipelineConfig.SinkSpec

    private static func parse(_ lines: [String]) throws -> PipelineConfig {
        try PipelineConfig.parse(yaml: lines.joined(separator: "\n"), path: "pipeline.yaml")
    }

    /// The example of the pipeline file reference, key for key.
    static let example = [
        "time:",
        "  idle_advance: none",
        "sources:",
        "  events: { kind: topic, topic: events, start: earliest }",
        "  app:    { kind: file, path: in.jsonl, follow: true }",
        "sinks:",
        "  files:  { kind: folder, path: signals, roll_bytes: 64MiB, roll_age: 1h, linger: 100ms }",
        "  alerts: { kind: topic, topic: alerts, kinds: [quality_alert] }",
        "  split:  { kind: topic, prefix: \"signals.\", kinds: [model_quality, dead_letter] }",
        "  out:    { kind: stdout }",
        "checkpoint: { interval: 10s }",
    ]

    @Test func exampleIsReadInFileOrderWithLines() throws {
        let config = try Self.parse(Self.example)
        #expect(config.time.idleAdvance == false)
        #expect(
            config.sources == [
                SourceSpec(name: "events", kind: .topic(name: "events", start: .earliest)),
                SourceSpec(name: "app", kind: .file(path: "in.jsonl", follow: true)),
            ])
        #expect(config.sources.map(\.line) == [4, 5])
        #expect(
            config.sinks == [
                SinkSpec(name: "files", kind: .folder(path: "signals", rollBytes: 64 << 20, rollAgeMs: 3_600_000)),
                SinkSpec(name: "alerts", kind: .topic(.single("alerts")), kinds: [.qualityAlert]),
                SinkSpec(
                    name: "split", kind: .topic(.perKind(prefix: "signals.")), kinds: [.modelQuality, .deadLetter]),
                SinkSpec(name: "out", kind: .stdout),
            ])
        #expect(config.sinks.map(\.line) == [7, 8, 9, 10])
        #expect(config.checkpoint == .init(intervalMs: 10_000))
    }

    @Test func absentKeysTakeTheirDefaults() throws {
        let config = try Self.parse(["time: { idle_timeout: 10s }"])
        #expect(config.sources.isEmpty)
        #expect(config.sinks.isEmpty)
        #expect(config.checkpoint.intervalMs == 10_000)
        #expect(config.time.idleAdvance)
        #expect(PipelineConfig.default.checkpoint == PipelineConfig.Checkpointing())
    }

    @Test(arguments: [
        "sources:", "sources: ~", "sinks:", "checkpoint:", "checkpoint: {}", "time: { idle_advance: wall_clock }",
    ])
    func nullOrDefaultValuesAreAsIfAbsent(line: String) throws {
        #expect(try Self.parse([line]) == .default)
    }

    @Test func omittedFieldsTakeTheirDefaults() throws {
        let config = try Self.parse([
            "sources:", "  t: { kind: topic, topic: t }", "  f: { kind: file, path: /var/log/app.jsonl }",
            "sinks:", "  d: { kind: folder, path: out }", "  s: { kind: stdout }",
        ])
        #expect(
            config.sources.map(\.kind) == [
                .topic(name: "t", start: .earliest), .file(path: "/var/log/app.jsonl", follow: false),
            ])
        let folder = try #require(config.sinks.first)
        #expect(folder.kind == .folder(path: "out", rollBytes: 67_108_864, rollAgeMs: 60_000))
        #expect(folder.kinds == nil)
        #expect(folder.lingerMs == 100)
        #expect(RecordKind.allCases.allSatisfy(folder.takes))
        #expect(config.sinks[1].orderedKinds == RecordKind.allCases)
    }

    @Test(
        arguments: [
            ("roll_bytes: 1KiB", 1_024), ("roll_bytes: 65536", 65_536), ("roll_bytes: '2048'", 2_048),
            ("roll_bytes: 3GiB", 3 << 30), ("roll_bytes: 1536B", 1_536),
        ] as [(String, Int64)])
    func rollBytesTakesSizesAndPlainBytes(field: String, bytes: Int64) throws {
        let sink = try #require(try Self.parse(["sinks:", "  d: { kind: folder, path: out, \(field) }"]).sinks.first)
        #expect(sink.kind == .folder(path: "out", rollBytes: bytes, rollAgeMs: 60_000))
    }

    @Test func everyParameterIsRead() throws {
        let config = try Self.parse([
            "sources:", "  late: { kind: topic, topic: a-b_c.1, start: latest }",
            "  tail: { kind: file, path: logs/x.jsonl, follow: false }", "sinks:",
            "  d: { kind: folder, path: out, roll_bytes: 1MiB, roll_age: 30s, linger: 5ms, kinds: [late_event] }",
            "  o: { kind: stdout, linger: 2s, kinds: [sft_example, preference_pair] }", "checkpoint:",
            "  interval: 250ms",
        ])
        #expect(config.sources[0].kind == .topic(name: "a-b_c.1", start: .latest))
        #expect(config.sources[1].kind == .file(path: "logs/x.jsonl", follow: false))
        #expect(
            config.sinks[0]
                == SinkSpec(
                    name: "d", kind: .folder(path: "out", rollBytes: 1 << 20, rollAgeMs: 30_000), kinds: [.lateEvent],
                    lingerMs: 5))
        #expect(config.sinks[1].lingerMs == 2_000)
        #expect(config.sinks[1].orderedKinds == [.preferencePair, .sftExample])
        #expect(!config.sinks[1].takes(.deadLetter))
        #expect(config.checkpoint.intervalMs == 250)
    }

    @Test func equalityIgnoresTheLine() {
        let a = SourceSpec(name: "e", kind: .topic(name: "e", start: .earliest), line: 3)
        #expect(a == SourceSpec(name: "e", kind: .topic(name: "e", start: .earliest)))
        #expect(a != SourceSpec(name: "e", kind: .topic(name: "e", start: .latest), line: 3))
        let b = SinkSpec(name: "o", kind: .stdout, line: 9)
        #expect(b == SinkSpec(name: "o", kind: .stdout))
        #expect(b != SinkSpec(name: "o", kind: .stdout, lingerMs: 101))
    }

    @Test func defaultConfigRendersWithoutTheRuntimeKeys() throws {
        let text = PipelineConfig.default.effectiveYAML()
        for key in ["sources", "sinks", "checkpoint", "idle_advance"] { #expect(!text.contains(key), "\(key)") }
        var withDefaults = try Self.parse(["checkpoint: { interval: 10s }", "time: { idle_advance: wall_clock }"])
        #expect(withDefaults.effectiveYAML() == text)
        withDefaults.checkpoint.intervalMs = 10_001
        #expect(withDefaults.effectiveYAML() == text + "checkpoint: { interval: 10001ms }\n")
    }

    @Test func exampleRendersEveryField() throws {
        let text = try Self.parse(Self.example).effectiveYAML()
        let tail = text.split(separator: "\n").drop { !$0.hasPrefix("sources:") }.joined(separator: "\n")
        let expected = """
            sources:
              events: { kind: topic, topic: "events", start: earliest }
              app: { kind: file, path: "in.jsonl", follow: true }
            sinks:
              files: { kind: folder, path: "signals", roll_bytes: 64MiB, roll_age: 1h, linger: 100ms }
              alerts: { kind: topic, topic: "alerts", kinds: [quality_alert], linger: 100ms }
              split: { kind: topic, prefix: "signals.", kinds: [model_quality, dead_letter], linger: 100ms }
              out: { kind: stdout, linger: 100ms }
            """
        #expect(tail == expected)
        #expect(text.contains("  max_event_bytes: 1MiB\n  idle_advance: none\nsignals:\n"))
    }

    @Test func specsDescribeThemselvesForValidatePipeline() throws {
        let config = try Self.parse(Self.example)
        #expect(
            config.sources.map(\.description) == [
                "events: topic \"events\", every partition, from the earliest offset",
                "app: file \"in.jsonl\", followed as it grows and rotates",
            ])
        #expect(
            config.sinks.map(\.description) == [
                "files: folder \"signals\", files roll at 64MiB or 1h, every kind, linger 100ms",
                "alerts: topic \"alerts\" (records keyed by kind), kinds quality_alert, linger 100ms",
                "split: topics \"signals.<kind>\", kinds model_quality, dead_letter, linger 100ms",
                "out: standard output, every kind, linger 100ms",
            ])
    }

    /// Configurations with live-run keys for the round trip of `PipelineConfigTests`.
    static let runtimeConfigs: [PipelineConfig] = {
        var live = PipelineConfig()
        live.time.idleAdvance = false
        live.checkpoint.intervalMs = 1_500
        live.sources = [
            SourceSpec(name: "events", kind: .topic(name: "events", start: .latest)),
            SourceSpec(name: "null", kind: .file(path: "/tmp/my logs/a: b #c.jsonl", follow: true)),
            SourceSpec(name: "x:\"y\"#1", kind: .file(path: "in.jsonl", follow: false)),
        ]
        live.sinks = [
            SinkSpec(name: "files", kind: .folder(path: "signals", rollBytes: 1_025, rollAgeMs: 1)),
            SinkSpec(
                name: "-dash", kind: .topic(.single("null")), kinds: Set(RecordKind.allCases), lingerMs: 86_400_000),
            SinkSpec(name: "123", kind: .topic(.perKind(prefix: "signals.")), kinds: [.lateEvent, .modelQuality]),
            SinkSpec(name: "out", kind: .stdout, kinds: [.deadLetter], lingerMs: 1),
        ]
        var sinksOnly = PipelineConfig()
        sinksOnly.sinks = [SinkSpec(name: "out", kind: .stdout)]
        var idleOnly = PipelineConfig()
        idleOnly.time.idleAdvance = false
        return [live, sinksOnly, idleOnly]
    }()
}
