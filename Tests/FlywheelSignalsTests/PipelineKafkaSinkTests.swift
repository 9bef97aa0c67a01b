import Testing

@testable import FlywheelSignals

/// `kind: kafka` sinks: every key read, defaults, errors that name the key path and line, and rendering that
/// parses back to an equal config without showing property values.
struct PipelineKafkaSinkTests {
    private typealias SinkSpec = PipelineConfig.SinkSpec

    private static func parse(_ lines: [String]) throws -> PipelineConfig {
        try PipelineConfig.parse(yaml: lines.joined(separator: "\n"), path: "kafka.yaml")
    }

    static let full = [
        "name: feedback",
        "sinks:",
        "  out:",
        "    kind: kafka",
        "    bootstrap: kafka-1:9092,kafka-2:9093",
        "    prefix: signals.",
        "    properties:",
        "      security.protocol: SASL_SSL",
        "      sasl.password: hunter2",
        "      linger.ms: 20",
        "    exactly_once: true",
        "    kinds: [preference_pair, model_quality]",
        "    linger: 250ms",
    ]

    @Test func everyKeyIsRead() throws {
        let sink = try #require(try Self.parse(Self.full).sinks.first)
        let spec = KafkaSinkSpec(
            bootstrap: "kafka-1:9092,kafka-2:9093", topics: .perKind(prefix: "signals."),
            properties: ["security.protocol": "SASL_SSL", "sasl.password": "hunter2", "linger.ms": "20"],
            exactlyOnce: true)
        #expect(sink.kind == .kafka(spec))
        #expect(sink.kinds == [.preferencePair, .modelQuality])
        #expect(sink.lingerMs == 250)
        #expect(sink.line == 3)
        #expect(spec.topic(for: .modelQuality) == "signals.model_quality")
        #expect(KafkaSinkSpec.transactionalID(pipeline: "feedback", sink: "out") == "feedback.out")
    }

    @Test func aBootstrapAndATopicTakeEveryDefault() throws {
        let sink = try #require(
            try Self.parse(["sinks:", "  k: { kind: kafka, bootstrap: 127.0.0.1:9092, topic: signals }"]).sinks.first)
        #expect(sink.kind == .kafka(KafkaSinkSpec(bootstrap: "127.0.0.1:9092", topics: .single("signals"))))
        #expect(sink.kinds == nil)
        #expect(sink.lingerMs == 100)
        guard case .kafka(let spec) = sink.kind else { return }
        #expect(!spec.exactlyOnce)
        #expect(spec.properties.isEmpty)
        #expect(spec.topic(for: .deadLetter) == "signals")
    }

    static let badInputs: [PipelineRuntimeKeyErrorTests.Row] = [
        .init(
            ["sinks:", "  k: { kind: kafka, topic: t }"], .badValue, line: 2, key: "sinks.k",
            "missing bootstrap: write e.g. { kind: kafka, bootstrap: 127.0.0.1:9092"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: localhost, topic: t }"], .badValue, line: 2,
            key: "sinks.k.bootstrap", "\"localhost\" has no host:port"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: \"h:1,h:99999\", topic: t }"], .badValue, line: 2,
            key: "sinks.k.bootstrap", "\"h:99999\" has no port from 1 to 65535"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: \"kafka://h:9092\", topic: t }"], .badValue, line: 2,
            key: "sinks.k.bootstrap", "not host:port (no scheme, path or spaces)"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: \"\", topic: t }"], .badValue, line: 2, key: "sinks.k.bootstrap",
            "must not be empty"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: h:1 }"], .badValue, line: 2, key: "sinks.k",
            "missing topic: write either topic: NAME (one topic for every kind) or prefix: TEXT"),
        .init(
            ["sinks:", "  k:", "    kind: kafka", "    bootstrap: h:1", "    topic: a", "    prefix: b."], .badValue,
            line: 6, key: "sinks.k.prefix", "topic and prefix together"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: h:1, prefix: \"s/\" }"], .badValue, line: 2,
            key: "sinks.k.prefix", "gives the bad topic name \"s/model_quality\""),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: h:1, topic: t, exactly_once: yes }"], .badValue, line: 2,
            key: "sinks.k.exactly_once", "must be true or false, got yes"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: h:1, topic: t, properties: [a] }"], .badType, line: 2,
            key: "sinks.k.properties", "expected a mapping, got a list"),
        .init(
            [
                "sinks:", "  k:", "    kind: kafka", "    bootstrap: h:1", "    topic: t", "    properties:",
                "      acks: { x: 1 }",
            ], .badType, line: 7, key: "sinks.k.properties.acks",
            "expected a librdkafka property value"),
        .init(
            [
                "sinks:", "  k:", "    kind: kafka", "    bootstrap: h:1", "    topic: t", "    properties:",
                "      client.id: \"\"",
            ], .badValue, line: 7, key: "sinks.k.properties.client.id", "must not be empty"),
        .init(
            [
                "sinks:", "  k:", "    kind: kafka", "    bootstrap: h:1", "    topic: t", "    properties:",
                "      bootstrap.servers: other:9092",
            ], .badValue, line: 7,
            key: "sinks.k.properties.bootstrap.servers", "is set by the sink: write the brokers under bootstrap:"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: h:1, topic: t, properties: { enable.idempotence: false } }"],
            .badValue, line: 2, key: "sinks.k.properties.enable.idempotence", "always uses an idempotent producer"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: h:1, topic: t, properties: { transactional.id: x } }"],
            .badValue, line: 2, key: "sinks.k.properties.transactional.id", "exactly_once: true sets it"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: h:1, topic: t, group: g }"], .unknownKey, line: 2,
            key: "sinks.k.group", "unknown key \"group\"; valid keys here: kind, bootstrap, topic, prefix, properties"),
        .init(
            ["sinks:", "  k: { kind: kafka, bootstrap: h:1, topic: t, path: x }"], .unknownKey, line: 2,
            key: "sinks.k.path", "\"path\" does not apply to a kafka sink"),
        .init(
            ["sinks:", "  s: { kind: stdout }", "  k: { kind: kafka, bootstrap: h:1, topic: t, exactly_once: true }"],
            .badValue, line: 3, key: "sinks.k.exactly_once", "needs the pipeline's top-level name:"),
    ]

    @Test(arguments: badInputs)
    func badKafkaSinkNamesCodeLinePathAndRemedy(row: PipelineRuntimeKeyErrorTests.Row) throws {
        let error = try #require(throws: PipelineError.self) { try Self.parse(row.lines) }
        #expect(error.code == row.code, "\(error)")
        #expect(error.line == row.line, "\(error)")
        #expect(error.key == row.key, "\(error)")
        #expect(error.message.contains(row.phrase), "\(error)")
        #expect(error.file == "kafka.yaml")
    }

    @Test(arguments: [
        ["sinks:", "  k: { kind: kafka, bootstrap: 127.0.0.1:9092, topic: signals }"],
        [
            "name: \"a pipeline\"", "sinks:", "  k: { kind: kafka, bootstrap: \"[::1]:9092,h:2\", prefix: \"s.\",",
            "       exactly_once: true, kinds: [dead_letter], linger: 2s }",
        ],
    ])
    func renderedKafkaSinksParseBackToEqualConfigs(lines: [String]) throws {
        let config = try Self.parse(lines)
        let text = config.effectiveYAML()
        #expect(try PipelineConfig.parse(yaml: text, path: nil) == config, "\(text)")
    }

    @Test func renderingAndDescriptionShowPropertyNamesButNeverTheirValues() throws {
        let config = try Self.parse(Self.full)
        let text = config.effectiveYAML()
        #expect(!text.contains("hunter2"))
        #expect(!text.contains("SASL_SSL"))
        #expect(text.contains("\"sasl.password\": \"(hidden)\""))
        let back = try #require(try PipelineConfig.parse(yaml: text, path: nil).sinks.first)
        guard case .kafka(let spec) = back.kind else {
            Issue.record("not a kafka sink: \(back.kind)")
            return
        }
        #expect(
            spec.properties == ["linger.ms": "(hidden)", "sasl.password": "(hidden)", "security.protocol": "(hidden)"])
        #expect(spec.exactlyOnce)
        let description = try #require(config.sinks.first).description
        #expect(
            description
                == "out: kafka \"kafka-1:9092,kafka-2:9093\", topics \"signals.<kind>\", exactly once (transactions), "
                + "properties [linger.ms, sasl.password, security.protocol], kinds model_quality, preference_pair, "
                + "linger 250ms")
    }
}
