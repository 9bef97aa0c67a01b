import Testing

@testable import FlywheelSignals

/// `kind: kafka` sources: every key read, defaults kept, secrets never rendered, rendering that parses back,
/// and a table of bad inputs whose errors name the line and key path.
struct PipelineKafkaSourceTests {
    private typealias SourceSpec = PipelineConfig.SourceSpec

    private static func parse(_ lines: [String]) throws -> PipelineConfig {
        try PipelineConfig.parse(yaml: lines.joined(separator: "\n"), path: "kafka.yaml")
    }

    @Test func everyKeyIsReadInBothForms() throws {
        let config = try Self.parse([
            "sources:",
            "  one: { kind: kafka, topic: events, group: flywheel, bootstrap: \"127.0.0.1:9092,kafka-2:9093\" }",
            "  ha:",
            "    kind: kafka",
            "    topic: chat.events_v2",
            "    group: fw",
            "    clusters:",
            "      - { name: east, bootstrap: east-1:9092 }",
            "      - name: west",
            "        bootstrap: west-1:19092",
            "    start: latest",
            "    properties: { security.protocol: SASL_SSL, sasl.password: s3cret, fetch.wait.max.ms: 50 }",
        ])
        #expect(
            config.sources == [
                SourceSpec(
                    name: "one",
                    kind: .kafka(
                        KafkaSourceSpec(topic: "events", group: "flywheel", bootstrap: "127.0.0.1:9092,kafka-2:9093"))),
                SourceSpec(
                    name: "ha",
                    kind: .kafka(
                        KafkaSourceSpec(
                            topic: "chat.events_v2", group: "fw",
                            clusters: [
                                .init(name: "east", bootstrap: "east-1:9092"),
                                .init(name: "west", bootstrap: "west-1:19092"),
                            ],
                            start: .latest,
                            properties: [
                                .init("security.protocol", "SASL_SSL"), .init("sasl.password", "s3cret"),
                                .init("fetch.wait.max.ms", "50"),
                            ]))),
            ])
        #expect(config.sources.map(\.line) == [2, 3])
        guard case .kafka(let one) = config.sources[0].kind else { return }
        #expect(one.start == .earliest && one.properties.isEmpty && one.isSingleBootstrap)
        #expect(one.clusters.map(\.name) == ["default"])
    }

    @Test func propertiesRenderTheirNamesButNeverTheirValues() throws {
        let config = try Self.parse([
            "sources:",
            "  e:",
            "    kind: kafka",
            "    topic: t",
            "    group: g",
            "    bootstrap: h:1",
            "    properties: { sasl.password: s3cret, ssl.key.password: k3y, sasl.username: bob }",
        ])
        let text = config.effectiveYAML()
        #expect(!text.contains("s3cret") && !text.contains("k3y"))
        #expect(text.contains("\"sasl.password\": \"(hidden)\""))
        #expect(text.contains("\"sasl.username\": \"(hidden)\"") && !text.contains("bob"))
        // Parsed back, the names are kept and every value is the placeholder.
        guard case .kafka(let spec) = try PipelineConfig.parse(yaml: text, path: nil).sources[0].kind else {
            Issue.record("not a kafka source")
            return
        }
        #expect(spec.properties.map(\.name) == ["sasl.password", "ssl.key.password", "sasl.username"])
        #expect(spec.properties.allSatisfy { $0.value == "(hidden)" })
        #expect(!config.sources[0].description.contains("s3cret"))
    }

    @Test func renderingListsEveryFieldWithDefaults() throws {
        let text = try Self.parse(["sources:", "  e: { kind: kafka, topic: t, group: g, bootstrap: h:1 }"])
            .effectiveYAML()
        #expect(
            text.hasSuffix(
                "sources:\n  e: { kind: kafka, topic: \"t\", group: \"g\", bootstrap: \"h:1\", start: earliest }\n"))
    }

    static let roundTripConfigs: [PipelineConfig] = {
        var config = PipelineConfig()
        config.sources = [
            SourceSpec(name: "a", kind: .kafka(KafkaSourceSpec(topic: "events", group: "g", bootstrap: "h:9092"))),
            SourceSpec(
                name: "b",
                kind: .kafka(
                    KafkaSourceSpec(
                        topic: "x.y-z_1", group: "group with \"quotes\" # and hash",
                        clusters: [
                            .init(name: "a", bootstrap: "h1:1,h2:2"), .init(name: "b-2", bootstrap: "[::1]:9092"),
                        ],
                        start: .latest))),
            SourceSpec(
                name: "c",
                kind: .kafka(
                    KafkaSourceSpec(
                        topic: "t", group: "g", clusters: [.init(name: "only", bootstrap: "h:1")]))),
        ]
        return [config]
    }()

    @Test(arguments: roundTripConfigs)
    func renderedKafkaSourcesParseBackToEqualConfigs(config: PipelineConfig) throws {
        let text = config.effectiveYAML()
        #expect(try PipelineConfig.parse(yaml: text, path: nil) == config, "\(text)")
    }

    typealias Row = PipelineRuntimeKeyErrorTests.Row

    static let badInputs: [Row] = [
        .init(
            ["sources:", "  k: { kind: kafka, group: g, bootstrap: h:1 }"], .badValue, line: 2, key: "sources.k",
            "missing topic"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, bootstrap: h:1 }"], .badValue, line: 2, key: "sources.k",
            "missing group"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g }"], .badValue, line: 2, key: "sources.k",
            "missing bootstrap or clusters"),
        .init(
            [
                "sources:", "  k:", "    kind: kafka", "    topic: t", "    group: g", "    bootstrap: h:1",
                "    clusters: [{ name: a, bootstrap: h:2 }]",
            ], .badValue, line: 7, key: "sources.k.clusters",
            "either bootstrap (one cluster) or clusters (an HA group), not both"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: \"a b\", group: g, bootstrap: h:1 }"], .badValue, line: 2,
            key: "sources.k.topic", "1 to 249 of A-Z a-z 0-9 . _ -"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: \"\", bootstrap: h:1 }"], .badValue, line: 2,
            key: "sources.k.group", "must not be empty"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, bootstrap: localhost }"], .badValue, line: 2,
            key: "sources.k.bootstrap", "\"localhost\" has no host:port"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, bootstrap: \"h:1,h:99999\" }"], .badValue, line: 2,
            key: "sources.k.bootstrap", "\"h:99999\" has no port from 1 to 65535"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, bootstrap: \"kafka://h:9092\" }"], .badValue,
            line: 2, key: "sources.k.bootstrap", "no scheme, path or spaces"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, bootstrap: h:1, start: beginning }"], .badValue,
            line: 2, key: "sources.k.start", "must be earliest or latest, got \"beginning\""),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, bootstrap: h:1, follow: true }"], .unknownKey,
            line: 2, key: "sources.k.follow",
            "\"follow\" does not apply to a kafka source; valid keys here: kind, topic, group, bootstrap, clusters"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, clusters: east }"], .badType, line: 2,
            key: "sources.k.clusters", "expected a list of clusters"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, clusters: [] }"], .badValue, line: 2,
            key: "sources.k.clusters", "empty list: name at least one cluster"),
        .init(
            [
                "sources:", "  k:", "    kind: kafka", "    topic: t", "    group: g", "    clusters:",
                "      - { name: a, bootstrap: h:1 }", "      - { name: a, bootstrap: h:2 }",
            ], .badValue, line: 8,
            key: "sources.k.clusters[1].name", "cluster \"a\" is named twice"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, clusters: [{ bootstrap: h:1 }] }"], .badValue,
            line: 2, key: "sources.k.clusters[0]", "missing name"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, clusters: [{ name: a }] }"], .badValue, line: 2,
            key: "sources.k.clusters[0]", "missing bootstrap"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, clusters: [{ name: \"a/b\", bootstrap: h:1 }] }"],
            .badValue, line: 2, key: "sources.k.clusters[0].name", "bad cluster name \"a/b\""),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, clusters: [{ name: a, bootstrap: h:1, port: 2 }] }"],
            .unknownKey, line: 2, key: "sources.k.clusters[0].port", "valid keys here: name, bootstrap"),
        .init(
            [
                "sources:", "  k:", "    kind: kafka", "    topic: t", "    group: g", "    bootstrap: h:1",
                "    properties:", "      group.id: other",
            ], .badValue, line: 8, key: "sources.k.properties.group.id",
            "group.id is set by the source"),
        .init(
            [
                "sources:",
                "  k: { kind: kafka, topic: t, group: g, bootstrap: h:1, properties: { enable.auto.commit: true } }",
            ],
            .badValue, line: 2, key: "sources.k.properties.enable.auto.commit", "remove it from properties"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, bootstrap: h:1, properties: { a: [1] } }"], .badType,
            line: 2, key: "sources.k.properties.a", "expected a property value"),
        .init(
            ["sources:", "  k: { kind: kafka, topic: t, group: g, bootstrap: h:1, properties: [a] }"], .badType,
            line: 2, key: "sources.k.properties", "expected a mapping"),
    ]

    @Test(arguments: badInputs)
    func badKafkaSourceNamesCodeLinePathAndRemedy(row: Row) throws {
        let error = try #require(throws: PipelineError.self) {
            try PipelineConfig.parse(yaml: row.lines.joined(separator: "\n"), path: "live.yaml")
        }
        #expect(error.code == row.code, "\(error)")
        #expect(error.line == row.line, "\(error)")
        #expect(error.key == (row.key.isEmpty ? nil : row.key), "\(error)")
        #expect(error.message.contains(row.phrase), "\(error)")
    }
}
