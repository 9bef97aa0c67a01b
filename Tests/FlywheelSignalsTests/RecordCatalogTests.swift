import FlywheelEngine
import Testing

@testable import FlywheelSignals

struct RecordCatalogTests {
    @Test func kindsFollowTheContractFileOrder() {
        #expect(
            RecordKind.allCases.map(\.name) == [
                "model_quality", "preference_pair", "conversation_summary", "sft_example", "quality_alert",
                "dead_letter", "late_event",
            ])
        #expect(SignalKind.allCases.map(\.rawValue) == RecordKind.signals.map(\.name))
        #expect(RecordKind.signals.count == 5)
        #expect(RecordKind.allCases.map(\.fileName).last == "late_event.jsonl")
    }

    @Test(arguments: RecordKind.allCases)
    func eachDescriptorDescribesItsOwnKind(kind: RecordKind) {
        #expect(kind.descriptor.kind == kind)
        #expect(RecordKind(signalName: kind.name) == kind)
        #expect(!kind.descriptor.sortKey.isEmpty)
        #expect(SignalKind(rawValue: kind.name)?.record == (kind.isSignal ? kind : nil))
        #expect(kind.signalKind?.record == (kind.isSignal ? kind : nil))
    }

    @Test func namesAreDistinct() {
        #expect(Set(RecordKind.allCases.map(\.name)).count == RecordKind.allCases.count)
        #expect(RecordKind(signalName: "model_quality.jsonl") == nil)
    }

    @Test func signalsHaveAProducingOperatorAndSideOutputsNone() {
        for kind in RecordKind.allCases {
            #expect((kind.descriptor.producer != nil) == kind.isSignal, "\(kind.name)")
        }
    }

    @Test func everyProducerIsAnOperatorWhoseStateTheShardCheckpoints() {
        let shard = SignalShardOperator(config: .default, catalog: nil, sourceNames: ["a"])
        let producers = Set(RecordKind.allCases.compactMap(\.descriptor.producer))
        #expect(producers == Set(shard.snapshot().operators.keys))
    }

    @Test(
        arguments: [
            ([SignalKind.qualityAlert], [OperatorID.modelQuality]),
            ([.modelQuality], [.modelQuality]),
            ([.sftExample], [.conversations]),
            ([.conversationSummary, .preferencePair], [.conversations, .preferencePairs]),
            ([], []),
        ] as [([SignalKind], [OperatorID])])
    func anOperatorRunsWhenAKindItProducesIsEnabled(enabled: [SignalKind], running: [OperatorID]) {
        var signals = PipelineConfig.Signals()
        signals.enabled = Set(enabled)
        for id in [OperatorID.modelQuality, .conversations, .preferencePairs] {
            #expect(signals.runs(id) == running.contains(id), "\(id.raw)")
        }
        #expect(signals.needsPIICounts == running.contains(.conversations))
    }

    @Test(
        arguments: [
            (ReleaseRule.windowEnd, Int64(100), Int64(0), Int64(101)),
            (.windowEnd, 100, 30, 71),
            (.timestamp, 100, 0, 100),
            (.timestamp, 100, 30, 70),
            (.inputSequence, 100, 30, 7),
            (.immediately, 100, 30, .max),
        ])
    func releaseRuleLimits(rule: ReleaseRule, watermark: Int64, lateness: Int64, limit: Int64) {
        #expect(rule.limit(watermark: EventTime(millis: watermark), sequence: 7, allowedLatenessMs: lateness) == limit)
    }

    @Test(arguments: [ReleaseRule.windowEnd, .timestamp])
    func eventTimeRulesReleaseEverythingAtTheEndOfInput(rule: ReleaseRule) {
        #expect(rule.limit(watermark: .max, sequence: 0, allowedLatenessMs: 5_000) == .max)
    }

    @Test(arguments: SignalKind.allCases)
    func effectiveYAMLRendersEachSignalsParametersInCatalogOrder(kind: SignalKind) throws {
        let line = try #require(
            PipelineConfig.default.effectiveYAML().split(separator: "\n").first { $0.hasPrefix("  \(kind.rawValue):") })
        let keys = kind.record.descriptor.parameters
        #expect(PipelineConfig.parameterKeys(of: kind) == keys)
        // `  name: { key: value, key: value }`, or `{}`.
        let braces = line.dropFirst("  \(kind.rawValue): ".count).dropFirst().dropLast()
        let rendered = braces.split(separator: ",").compactMap { $0.split(separator: ":").first }
        #expect(rendered.map { String($0.filter { $0 != " " }) } == keys)
    }
}
