import FlywheelEngine
import FlywheelRuntime
import Testing

@testable import FlywheelSignals

/// The pair operator's state (long conversations past the index threshold, waiting pairs, late
/// events held for the next advance) survives a snapshot and restore into a fresh shard.
struct PreferencePairSnapshotTests {
    /// Replays `events` on one shard in batches of `batchSize` input elements; after the batch that
    /// ends with element `restoreAfter`, snapshots the shard and goes on with a restored copy.
    private static func replay(
        _ events: [ChatEvent], config: PipelineConfig, batchSize: Int, restoreAfter: Int? = nil
    ) throws -> [String] {
        var driver = try IngestDriver(time: config.time, sourceNames: ["in"], shards: 1)
        var shard = SignalShardOperator(config: config, catalog: nil, sourceNames: ["in"])
        var out: [SignalRecord] = []
        for (index, event) in events.enumerated() {
            let position = Int64(index + 1)
            driver.ingest(InputLine(position: position, endOffset: position, decoded: .event(event)), partition: 0)
            let last = index + 1 == events.count
            guard last || (index + 1).isMultiple(of: batchSize) else { continue }
            if last { driver.finishAll() }
            shard.process(driver.cut(isFinal: last).shards[0], into: &out)
            if index + 1 == restoreAfter { shard = try restored(shard, config: config) }
        }
        return signalsFileOrder(out).map { String(decoding: $0.line, as: UTF8.self) }
    }

    private static func restored(_ shard: SignalShardOperator, config: PipelineConfig) throws -> SignalShardOperator {
        let snapshot = shard.snapshot()
        var fresh = SignalShardOperator(config: config, catalog: nil, sourceNames: ["in"])
        try fresh.restore(
            ShardSnapshot.merge([snapshot]), owned: Array(0..<KeyGroups.count), watermark: snapshot.watermark)
        return fresh
    }

    @Test(arguments: [(seed: UInt64(3), responses: 40), (seed: 7, responses: 5)])
    func randomConversationRestoredMidwayGivesTheSameOutput(seed: UInt64, responses: Int) throws {
        let events = PairReferenceModel.randomConversation(seed: seed, events: 300, prompts: 3, responses: responses)
        let straight = try Self.replay(events, config: .default, batchSize: 10)
        #expect(straight.contains { $0.contains("preference_pair") })
        #expect(responses < 24 || straight.contains { $0.contains("unresolved_reference") })
        for restoreAfter in [50, 150, 290] {
            #expect(try Self.replay(events, config: .default, batchSize: 10, restoreAfter: restoreAfter) == straight)
        }
    }

    /// Restored after every element of the lateness scenario, so also while late events are held.
    @Test func lateEventsHeldAtTheSnapshotAreReleasedAfterTheRestore() throws {
        let events = PreferencePairLatenessTests.scenario
        let straight = try Self.replay(events, config: pairLatenessConfig, batchSize: 1)
        #expect(straight.contains { $0.contains("preference_pair") && $0.contains("a:b") })
        for restoreAfter in 1..<events.count {
            let resumed = try Self.replay(events, config: pairLatenessConfig, batchSize: 1, restoreAfter: restoreAfter)
            #expect(resumed == straight, "restored after element \(restoreAfter)")
        }
    }
}
