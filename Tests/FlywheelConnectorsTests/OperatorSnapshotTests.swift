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
        var driver: IngestDriver
        var shards: [SignalShardOperator]
        var records: [[UInt8]] = []

        init(shards count: Int, resume: IngestResume? = nil) throws {
            driver = try IngestDriver(
                time: PipelineConfig.default.time, sourceNames: ["log"], shards: count, resume: resume)
            shards = (0..<count).map { _ in
                SignalShardOperator(config: .default, catalog: nil, sourceNames: ["log"])
            }
        }

        mutating func process(_ lines: ArraySlice<InputLine>, final: Bool) {
            for line in lines { driver.ingest(line, partition: 0) }
            if final { driver.finishAll() }
            let batch = driver.cut(isFinal: final)
            for index in shards.indices {
                var out: [SignalRecord] = []
                shards[index].process(batch.shards[index], into: &out)
                records += out.map(\.line)
            }
        }

        /// A fresh run restored from this run's state, at `parallelism`.
        func restored(parallelism: Int) throws -> Run {
            let states = ShardSnapshot.merge(shards.map { $0.snapshot() })
            var copy = try Run(shards: parallelism, resume: driver.snapshot())
            for index in 0..<parallelism {
                try copy.shards[index].restore(
                    states, owned: KeyGroups.groups(ofShard: index, parallelism: parallelism),
                    watermark: driver.watermark)
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
        var straight = try Run(shards: before)
        straight.process(lines[...], final: true)
        for cut in cuts {
            var first = try Run(shards: before)
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
