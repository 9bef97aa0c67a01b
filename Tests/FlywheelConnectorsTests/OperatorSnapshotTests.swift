import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelConnectors

/// Operator harness: process half a log, snapshot, restore into fresh instances (at the same and at
/// another parallelism), process the rest; the records must be exactly those of a straight run.
@Suite(.serialized)
struct OperatorSnapshotTests {
    struct Run {
        var ingest: IngestState
        var shards: [SignalShardOperator]
        var records: [[UInt8]] = []
        var sequence: Int64 = 0
        var pendingSequence: [Int] = []

        init(shards count: Int) {
            ingest = IngestState(time: PipelineConfig.default.time, partitions: 1)
            shards = (0..<count).map { _ in
                SignalShardOperator(config: .default, catalog: nil, sourceNames: ["log"])
            }
        }

        mutating func process(_ lines: ArraySlice<InputLine>, final: Bool) {
            var perShard = Array(repeating: [RoutedEvent](), count: shards.count)
            var trail = WatermarkTrail()
            for line in lines {
                sequence += 1
                let before = ingest.watermark
                if case .accepted(let event, let watermarkBefore) = ingest.ingest(line.decoded, partition: 0) {
                    RoutedEvent.route(event, watermarkBefore: watermarkBefore, sequence: sequence, into: &perShard)
                }
                if ingest.watermark != before { trail.append(sequence: sequence, watermark: ingest.watermark) }
            }
            if final { trail.append(sequence: sequence, watermark: .max) }
            for index in shards.indices {
                var out: [SignalRecord] = []
                shards[index].process(
                    ShardBatch(
                        records: perShard[index], watermark: final ? .max : ingest.watermark, lastSequence: sequence,
                        trail: trail, isFinal: final),
                    into: &out)
                records += out.map(\.line)
            }
        }

        /// A fresh run restored from this run's state, at `parallelism`.
        func restored(parallelism: Int) throws -> Run {
            var writer = StateWriter()
            writer.write(ingest)
            var groups = Array(repeating: SignalShardOperator.emptyGroup, count: KeyGroups.count)
            for shard in shards {
                for (group, bytes) in shard.snapshot().groups { groups[group] = bytes }
            }
            var copy = Run(shards: parallelism)
            var reader = StateReader(writer.bytes)
            copy.ingest = try IngestState(from: &reader)
            copy.sequence = sequence
            for index in 0..<parallelism {
                let owned = KeyGroups.groups(ofShard: index, parallelism: parallelism).map { groups[$0] }
                try copy.shards[index].restore(groups: owned, watermark: ingest.watermark)
            }
            return copy
        }
    }

    static func decodedLog() async throws -> [InputLine] {
        let folder = try TemporaryFolder("snapshot")
        defer { folder.remove() }
        let path = try folder.generatedLog {
            $0.conversations = 600
            $0.conversationsPerMinute = 300
            $0.seed = 5
        }
        return try await ProcessingBench.decodeAll(path: path)
    }

    @Test(arguments: [(1, 1), (2, 2), (2, 3), (4, 1)])
    func snapshotAndRestoreMidStreamGivesTheSameRecords(before: Int, after: Int) async throws {
        let lines = try await Self.decodedLog()
        let cuts = [lines.count / 3, lines.count / 2, lines.count * 4 / 5]
        var straight = Run(shards: before)
        straight.process(lines[...], final: true)
        for cut in cuts {
            var first = Run(shards: before)
            first.process(lines[..<cut], final: false)
            var second = try first.restored(parallelism: after)
            second.process(lines[cut...], final: true)
            let combined = (first.records + second.records).sorted { $0.lexicographicallyPrecedes($1) }
            let expected = straight.records.sorted { $0.lexicographicallyPrecedes($1) }
            #expect(combined.count == expected.count, "cut at \(cut), \(before) -> \(after) shards")
            let same = combined == expected
            #expect(same, "cut at \(cut), \(before) -> \(after) shards")
        }
    }
}
