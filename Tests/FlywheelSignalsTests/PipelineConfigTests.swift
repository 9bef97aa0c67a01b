import Foundation
import Testing

@testable import FlywheelSignals

struct PipelineConfigTests {
    private static func parse(_ lines: [String], path: String? = nil) throws -> PipelineConfig {
        try PipelineConfig.parse(yaml: lines.joined(separator: "\n"), path: path)
    }

    @Test(arguments: ["", "\n", "   \n\n", "# only a comment\n", "---\n", "---\n...\n", "~\n"])
    func emptyDocumentIsTheDefaultPipeline(text: String) throws {
        #expect(try PipelineConfig.parse(yaml: text, path: nil) == .default)
    }

    @Test func builtInDefaultTextParsesToTheDefaultConfig() throws {
        let config = try PipelineConfig.parse(yaml: PipelineConfig.defaultPipelineYAML, path: "Pipelines/feedback.yaml")
        #expect(config == PipelineConfig.default)
    }

    @Test func builtInDefaultTextShowsEveryKey() {
        let keys =
            PipelineConfig.topLevelKeys + PipelineConfig.timeKeys + PipelineConfig.enrichKeys
            + SignalKind.allCases.flatMap { [$0.rawValue] + PipelineConfig.parameterKeys(of: $0) }
        for key in keys {
            #expect(PipelineConfig.defaultPipelineYAML.contains("\(key):"), "\(key)")
        }
    }

    @Test func committedFeedbackPipelineIsTheBuiltInText() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("Pipelines/feedback.yaml"), encoding: .utf8)
        #expect(committed == PipelineConfig.defaultPipelineYAML)
    }

    @Test func contractExampleGivesDefaultsPlusCatalog() throws {
        let config = try Self.parse(
            [
                "time:", "  max_out_of_orderness: 5s", "  allowed_lateness: 0s", "  idle_timeout: 30s",
                "  dedup_ttl: 1h          # must be greater than allowed_lateness", "  max_event_bytes: 1MiB",
                "enrich:", "  model_catalog: models.yaml   # path relative to the pipeline file; optional",
                "signals:", "  model_quality: { window: 60s }", "  preference_pair: { join_ttl: 30m }",
                "  conversation_summary: { gap: 30m }", "  sft_example: {}",
                "  quality_alert: { min_feedback: 20, max_down_rate: 0.5 }",
            ],
            path: "pipeline.yaml")
        var expected = PipelineConfig.default
        expected.modelCatalogPath = "models.yaml"
        #expect(config == expected)
    }

    @Test func everyParameterIsRead() throws {
        let config = try Self.parse([
            "name: nightly", "description: the nightly replay", "time:", "  max_out_of_orderness: 250ms",
            "  allowed_lateness: 2m", "  idle_timeout: 1m", "  dedup_ttl: 2d", "  max_event_bytes: 512KiB",
            "signals:", "  model_quality:", "    window: 5m", "  preference_pair: { join_ttl: 1h }",
            "  conversation_summary: { gap: 90s }", "  quality_alert: { min_feedback: 1, max_down_rate: 1 }",
        ])
        #expect(config.name == "nightly")
        #expect(config.time.maxOutOfOrdernessMs == 250)
        #expect(config.time.allowedLatenessMs == 120_000)
        #expect(config.time.idleTimeoutMs == 60_000)
        #expect(config.time.dedupTTLMs == 172_800_000)
        #expect(config.time.maxEventBytes == 524_288)
        #expect(config.signals.modelQualityWindowMs == 300_000)
        #expect(config.signals.joinTTLMs == 3_600_000)
        #expect(config.signals.sessionGapMs == 90_000)
        #expect(config.signals.alertMinFeedback == 1)
        #expect(config.signals.alertMaxDownRate == 1)
        #expect(config.signals.enabled == [.modelQuality, .preferencePair, .conversationSummary, .qualityAlert])
        #expect(config.modelCatalogPath == nil)
    }

    @Test(
        arguments: [
            ("allowed_lateness: 0", 0), ("allowed_lateness: \"0\"", 0), ("allowed_lateness: '10s'", 10_000),
            ("max_out_of_orderness: 0ms", 0),
        ] as [(String, Int64)])
    func zeroAndQuotedDurationsAreAccepted(line: String, millis: Int64) throws {
        let time = try Self.parse(["time:", "  " + line]).time
        #expect(line.hasPrefix("allowed") ? time.allowedLatenessMs == millis : time.maxOutOfOrdernessMs == millis)
    }

    @Test(
        arguments: [
            (["time: { idle_timeout: 10s }"], SignalKind.allCases),
            (["signals:"], SignalKind.allCases),
            (["signals: ~"], SignalKind.allCases),
            (["signals: {}"], []),
            (["signals:", "  sft_example:"], [.sftExample]),
            (["signals:", "  sft_example: {}", "  quality_alert: {}"], [.sftExample, .qualityAlert]),
            (["signals: { model_quality: { window: 10s }, preference_pair: {} }"], [.modelQuality, .preferencePair]),
            (["signals:", "  conversation_summary: ~"], [.conversationSummary]),
        ] as [([String], [SignalKind])])
    func signalsKeyEnablesExactlyTheKindsItNames(lines: [String], kinds: [SignalKind]) throws {
        let signals = try Self.parse(lines).signals
        #expect(signals.enabled == Set(kinds))
    }

    @Test func kindsWithoutParametersKeepTheirDefaults() throws {
        let signals = try Self.parse(["signals:", "  quality_alert: { min_feedback: 3 }", "  model_quality:"]).signals
        #expect(signals.alertMinFeedback == 3)
        #expect(signals.alertMaxDownRate == 0.5)
        #expect(signals.modelQualityWindowMs == 60_000)
    }

    @Test(
        arguments: [
            (nil, "models.yaml", "models.yaml"),
            ("pipeline.yaml", "models.yaml", "models.yaml"),
            ("Pipelines/feedback.yaml", "models.yaml", "Pipelines/models.yaml"),
            ("a/b/p.yaml", "sub/models.yaml", "a/b/sub/models.yaml"),
            ("./p.yaml", "models.yaml", "./models.yaml"),
            ("/etc/flywheel/p.yaml", "../models.yaml", "/etc/flywheel/../models.yaml"),
            ("/p.yaml", "models.yaml", "/models.yaml"),
            ("Pipelines/p.yaml", "/srv/models.yaml", "/srv/models.yaml"),
            (nil, "/srv/models.yaml", "/srv/models.yaml"),
        ] as [(String?, String, String)])
    func catalogPathIsResolvedAgainstThePipelineFolder(pipeline: String?, catalog: String, resolved: String) throws {
        let config = try Self.parse(["enrich:", "  model_catalog: \(catalog)"], path: pipeline)
        #expect(config.modelCatalogPath == resolved)
    }

    @Test func loadReadsTheFileAndResolvesItsCatalog() throws {
        try withPipelineTempFolder { folder in
            let catalogLines = ["models:", "  m1: { family: f, input_per_1k: 0.001, output_per_1k: 0.002 }"]
            let catalogPath = try writePipelineTestFile(catalogLines, named: "models.yaml", in: folder)
            let lines = ["name: demo", "enrich:", "  model_catalog: models.yaml", "signals: { sft_example: {} }"]
            let path = try writePipelineTestFile(lines, named: "demo.yaml", in: folder)
            let config = try PipelineConfig.load(path: path)
            #expect(config.name == "demo")
            #expect(config.signals.enabled == [.sftExample])
            #expect(config.modelCatalogPath == catalogPath)
            let catalog = try ModelCatalog.load(path: try #require(config.modelCatalogPath))
            #expect(catalog.info(for: "m1")?.family == "f")
        }
    }

    @Test func effectiveYAMLOfTheDefaultListsEveryKey() {
        let expected = """
            time:
              max_out_of_orderness: 5s
              allowed_lateness: 0s
              idle_timeout: 30s
              dedup_ttl: 1h
              max_event_bytes: 1MiB
            signals:
              model_quality: { window: 1m }
              preference_pair: { join_ttl: 30m, state_ttl: 2h }
              conversation_summary: { gap: 30m }
              sft_example: {}
              quality_alert: { min_feedback: 20, max_down_rate: 0.5 }

            """
        #expect(PipelineConfig.default.effectiveYAML() == expected)
    }

    static let roundTripConfigs: [PipelineConfig] = {
        var custom = PipelineConfig()
        custom.name = "quote \" backslash \\ colon: hash # tab\t newline\n bell \u{7} café"
        custom.time = .init()
        custom.time.maxOutOfOrdernessMs = 1_500
        custom.time.allowedLatenessMs = 3_600_000
        custom.time.dedupTTLMs = 3_600_001
        custom.time.idleTimeoutMs = 1
        custom.time.maxEventBytes = 1_025
        custom.modelCatalogPath = "/tmp/my models/catalog: v2.yaml"
        custom.signals.modelQualityWindowMs = 86_400_000
        custom.signals.alertMinFeedback = 7
        custom.signals.alertMaxDownRate = 0.1
        var none = PipelineConfig()
        none.signals.enabled = []
        var some = PipelineConfig()
        some.signals.enabled = [.qualityAlert, .preferencePair]
        some.signals.alertMaxDownRate = 1e-3
        some.modelCatalogPath = "models.yaml"
        return [.default, custom, none, some] + PipelineRuntimeKeysTests.runtimeConfigs
    }()

    @Test(arguments: roundTripConfigs)
    func effectiveYAMLParsesBackToAnEqualConfig(config: PipelineConfig) throws {
        let text = config.effectiveYAML()
        #expect(try PipelineConfig.parse(yaml: text, path: nil) == config, "\(text)")
    }
}
