import Foundation
import Testing

@testable import FlywheelSignals

/// `kind: forward` sinks: every key read, every default kept, and rendering that parses back to an equal config.
struct PipelineForwardSinkTests {
    private typealias SinkSpec = PipelineConfig.SinkSpec

    private static func parse(_ lines: [String]) throws -> PipelineConfig {
        try PipelineConfig.parse(yaml: lines.joined(separator: "\n"), path: "forward.yaml")
    }

    /// Every key of a forward sink, in block style.
    static let full = [
        "sinks:",
        "  trainer:",
        "    kind: forward",
        "    url: https://trainer.internal:8443/v1/pairs?source=flywheel",
        "    kinds: [preference_pair]",
        "    linger: 250ms",
        "    headers:",
        "      Authorization: \"Bearer ${env:TRAINER_TOKEN}\"",
        "      X-Api-Key: ${file:/run/secrets/trainer key}",
        "      X-Team: signals $5",
        "    batch: 200",
        "    max_in_flight: 16",
        "    timeout: 2s",
        "    rate: 2.5",
        "    max_pending: 5000",
        "    retry: { max_attempts: 3, backoff_base: 50ms, backoff_cap: 2s }",
        "    breaker: { failures: 10, cooldown: 30s }",
        "    dlq: { folder: /var/flywheel/dlq }",
        "    ordered_by: conversation_id",
    ]

    static let fullSpec = ForwardSpec(
        url: "https://trainer.internal:8443/v1/pairs?source=flywheel",
        headers: [
            .init(name: "Authorization", template: "Bearer ${env:TRAINER_TOKEN}"),
            .init(name: "X-Api-Key", template: "${file:/run/secrets/trainer key}"),
            .init(name: "X-Team", template: "signals $5"),
        ],
        batch: 200, maxInFlight: 16, timeoutMs: 2_000, rate: 2.5,
        retry: .init(maxAttempts: 3, baseMs: 50, capMs: 2_000), breaker: .init(failures: 10, cooldownMs: 30_000),
        deadLetters: .folder("/var/flywheel/dlq"), orderedBy: "conversation_id", maxPending: 5_000)

    @Test func everyKeyIsRead() throws {
        let sink = try #require(try Self.parse(Self.full).sinks.first)
        #expect(sink.kind == .forward(Self.fullSpec))
        #expect(sink.kinds == [.preferencePair])
        #expect(sink.lingerMs == 250)
        #expect(sink.line == 2)
    }

    @Test func aURLAloneTakesEveryDefault() throws {
        let sink = try #require(
            try Self.parse(["sinks:", "  hook: { kind: forward, url: http://127.0.0.1:9000/signals }"]).sinks.first)
        guard case .forward(let spec) = sink.kind else {
            Issue.record("not a forward sink: \(sink.kind)")
            return
        }
        #expect(spec.url == "http://127.0.0.1:9000/signals")
        #expect(spec.headers.isEmpty)
        #expect(spec.batch == 500)
        #expect(spec.maxInFlight == 4)
        #expect(spec.timeoutMs == 10_000)
        #expect(spec.rate == nil)
        #expect(spec.maxPending == 20_000)
        #expect(spec.retry == ForwardSpec.Retry(maxAttempts: 8, baseMs: 100, capMs: 30_000))
        #expect(spec.breaker == ForwardSpec.Breaker(failures: 5, cooldownMs: 5_000))
        #expect(spec.deadLetters == nil)
        #expect(spec.deadLetterTarget(sinkName: sink.name) == .topic("hook.dlq"))
        #expect(spec.orderedBy == nil)
        #expect(sink.kinds == nil)
        #expect(sink.lingerMs == 100)
    }

    @Test(arguments: ["headers:", "retry:", "retry: {}", "breaker: ~", "dlq:", "dlq: null"])
    func nullOrEmptySectionsKeepTheDefaults(field: String) throws {
        let lines = ["sinks:", "  hook:", "    kind: forward", "    url: http://h/x", "    \(field)"]
        #expect(try Self.parse(lines).sinks == [SinkSpec(name: "hook", kind: .forward(ForwardSpec(url: "http://h/x")))])
    }

    @Test(
        arguments: [
            ("rate: 50", 50), ("rate: 0.5", 0.5), ("rate: 1e-3", 0.001), ("rate: 1", 1),
        ] as [(String, Double)])
    func rateTakesWholeAndFractionalNumbers(field: String, rate: Double) throws {
        let sink = try #require(
            try Self.parse(["sinks:", "  h: { kind: forward, url: http://h/, \(field) }"]).sinks.first)
        #expect(sink.kind == .forward(ForwardSpec(url: "http://h/", rate: rate)))
    }

    @Test func boundsAreInclusive() throws {
        let low =
            "batch: 1, max_in_flight: 1, max_pending: 1, retry: { max_attempts: 1, backoff_base: 1ms, "
            + "backoff_cap: 1ms }, breaker: { failures: 1, cooldown: 1ms }, timeout: 1ms"
        let high =
            "batch: 10000, max_in_flight: 256, max_pending: 10000, retry: { max_attempts: 100 }, "
            + "breaker: { failures: 1000 }"
        let sinks = try Self.parse([
            "sinks:", "  low: { kind: forward, url: http://h/, \(low) }",
            "  high: { kind: forward, url: http://h/, \(high) }",
        ]).sinks
        #expect(
            sinks.map(\.kind) == [
                .forward(
                    ForwardSpec(
                        url: "http://h/", batch: 1, maxInFlight: 1, timeoutMs: 1,
                        retry: .init(maxAttempts: 1, baseMs: 1, capMs: 1), breaker: .init(failures: 1, cooldownMs: 1),
                        maxPending: 1)),
                .forward(
                    ForwardSpec(
                        url: "http://h/", batch: 10_000, maxInFlight: 256, retry: .init(maxAttempts: 100),
                        breaker: .init(failures: 1_000), maxPending: 10_000)),
            ])
    }

    @Test func deadLetterTopicIsCheckedAsTopicSinksCheckTheirs() throws {
        let sinks = try Self.parse([
            "sinks:", "  a: { kind: forward, url: http://h/, dlq: { topic: signals.dlq-1_x } }",
            "  café: { kind: forward, url: http://h/, dlq: { folder: dlq/café } }",
        ]).sinks
        #expect(
            sinks.map(\.kind) == [
                .forward(ForwardSpec(url: "http://h/", deadLetters: .topic("signals.dlq-1_x"))),
                .forward(ForwardSpec(url: "http://h/", deadLetters: .folder("dlq/café"))),
            ])
    }

    @Test(arguments: ["HTTPS://Example.COM", "http://[::1]:9000/x", "http://h:1/", "https://h:65535/a/b?c=d#e"])
    func urlsWithAHostAreAccepted(url: String) throws {
        #expect(ForwardSpec.urlProblem(url) == nil)
        let sink = try #require(try Self.parse(["sinks:", "  h: { kind: forward, url: \"\(url)\" }"]).sinks.first)
        #expect(sink.kind == .forward(ForwardSpec(url: url)))
    }

    @Test func parsingDoesNotResolveHeaders() throws {
        let variable = "FLYWHEEL_TEST_UNSET_\(UUID().uuidString.prefix(8))"
        #expect(ProcessInfo.processInfo.environment[variable] == nil)
        let lines = [
            "sinks:", "  h:", "    kind: forward", "    url: http://h/",
            "    headers: { A: \"${env:\(variable)}\", B: \"${file:/no/such/file}\" }",
        ]
        let sink = try #require(try Self.parse(lines).sinks.first)
        #expect(
            sink.kind
                == .forward(
                    ForwardSpec(
                        url: "http://h/",
                        headers: [
                            .init(name: "A", template: "${env:\(variable)}"),
                            .init(name: "B", template: "${file:/no/such/file}"),
                        ]
                    )))
    }

    @Test func fullExampleRendersEveryFieldAndHeaderTemplatesAsWritten() throws {
        let text = try Self.parse(Self.full).effectiveYAML()
        let sinks = text.split(separator: "\n").drop { !$0.hasPrefix("sinks:") }.joined(separator: "\n")
        let expected = """
            sinks:
              trainer: { kind: forward, url: "https://trainer.internal:8443/v1/pairs?source=flywheel", \
            headers: { "Authorization": "Bearer ${env:TRAINER_TOKEN}", "X-Api-Key": "${file:/run/secrets/trainer key}", \
            "X-Team": "signals $5" }, batch: 200, max_in_flight: 16, timeout: 2s, rate: 2.5, max_pending: 5000, \
            retry: { max_attempts: 3, backoff_base: 50ms, backoff_cap: 2s }, breaker: { failures: 10, cooldown: 30s }, \
            dlq: { folder: "/var/flywheel/dlq" }, ordered_by: "conversation_id", kinds: [preference_pair], linger: 250ms }
            """
        #expect(sinks == expected)
        #expect(try PipelineConfig.parse(yaml: text, path: nil) == Self.parse(Self.full))
    }

    @Test func minimalSinkRendersItsDefaults() throws {
        let text = try Self.parse(["sinks:", "  hook: { kind: forward, url: http://h/x }"]).effectiveYAML()
        #expect(
            text.hasSuffix(
                "sinks:\n  hook: { kind: forward, url: \"http://h/x\", batch: 500, max_in_flight: 4, timeout: 10s, "
                    + "max_pending: 20000, retry: { max_attempts: 8, backoff_base: 100ms, backoff_cap: 30s }, "
                    + "breaker: { failures: 5, cooldown: 5s }, linger: 100ms }\n"))
    }

    /// Forward sinks whose rendering must parse back to an equal configuration.
    static let roundTripConfigs: [PipelineConfig] = {
        var config = PipelineConfig()
        config.sinks = [
            SinkSpec(name: "full", kind: .forward(fullSpec), kinds: [.qualityAlert, .deadLetter], lingerMs: 1),
            SinkSpec(name: "minimal", kind: .forward(ForwardSpec(url: "http://127.0.0.1:9000/signals"))),
            SinkSpec(
                name: "x:\"y\"#1",
                kind: .forward(
                    ForwardSpec(
                        url: "http://h/a%20b?q=%22x%22#f",
                        headers: [.init(name: "X-Quote#!", template: "a \"b\" \\ c\td: e # f")],
                        rate: 0.001, deadLetters: .topic("null"), orderedBy: "key with spaces: #1"))),
            SinkSpec(
                name: "rates", kind: .forward(ForwardSpec(url: "https://h", rate: 1e20, deadLetters: .folder("~")))),
            SinkSpec(name: "third", kind: .forward(ForwardSpec(url: "https://h", rate: 1.0 / 3.0, orderedBy: "null"))),
        ]
        return [config]
    }()

    @Test(arguments: roundTripConfigs)
    func renderedForwardSinksParseBackToEqualConfigs(config: PipelineConfig) throws {
        let text = config.effectiveYAML()
        #expect(try PipelineConfig.parse(yaml: text, path: nil) == config, "\(text)")
    }

    @Test func descriptionNamesEverySettingButNoHeaderText() throws {
        let config = try Self.parse(Self.full)
        #expect(
            config.sinks.map(\.description) == [
                "trainer: forward to \"https://trainer.internal:8443/v1/pairs?source=flywheel\", 200 records per "
                    + "request, 16 in flight, timeout 2s, at most 2.5 requests/s, up to 5000 records pending, up to 3 "
                    + "attempts (back-off 50ms to 2s), breaker opens after 10 failures (cooldown 30s), dead letters to "
                    + "folder \"/var/flywheel/dlq\", ordered by conversation_id, headers [Authorization "
                    + "(${env:TRAINER_TOKEN}), X-Api-Key (${file:/run/secrets/trainer key}), X-Team], kinds "
                    + "preference_pair, linger 250ms"
            ])
        let minimal = SinkSpec(name: "hook", kind: .forward(ForwardSpec(url: "http://h/")))
        #expect(minimal.description.contains("dead letters to topic \"hook.dlq\""))
        #expect(!minimal.description.contains("requests/s"))
        let single = SinkSpec(name: "hook", kind: .forward(ForwardSpec(url: "http://h/", batch: 1)))
        #expect(single.description.contains(", 1 record per request, "))
    }

    @Test func committedForwardPipelineIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let config = try PipelineConfig.load(path: root.appendingPathComponent("Pipelines/forward.yaml").path)
        let forwards = config.sinks.compactMap { sink -> (String, ForwardSpec)? in
            guard case .forward(let spec) = sink.kind else { return nil }
            return (sink.name, spec)
        }
        #expect(forwards.count == 2)
        let trainer = try #require(forwards.first { $0.1.orderedBy == "conversation_id" }?.1)
        #expect(trainer.headers.contains { $0.template.contains("${env:TRAINER_TOKEN}") })
        #expect(forwards.contains { $0.1.batch == 1 })
        #expect(config.sinks.contains { if case .folder = $0.kind { true } else { false } })
        #expect(config.sources.contains { if case .topic = $0.kind { true } else { false } })
    }
}
