import FlywheelKafka
import FlywheelTesting
import Foundation
import Testing

extension KafkaBrokerTests {
    /// The README's "Moving to another cluster", scripted: events produced to cluster A, then to A and B, then
    /// to B only; the run restarted to add B and to remove A, and its kafka sink moved from A to B at the
    /// second restart. The signals equal a replay of every event, each counted once, and each record the sink
    /// wrote went to exactly one of the two clusters.
    @Suite(.enabled(if: KafkaTestBrokers.enabled, KafkaTestBrokers.skipReason), .serialized)
    struct KafkaMigrationTests {
        typealias Support = KafkaSourceSupport

        @Test func aSourceMovesFromClusterAToBAndItsSinkWithIt() async throws {
            let (a, b) = (try KafkaTestBrokers.bootstrapA(), try KafkaTestBrokers.bootstrapB())
            let folder = try TemporaryFolder("kafka-migration")
            defer { folder.remove() }
            let log = try Support.log(folder, seed: 35, conversations: 600, malformed: 0)
            let parts = try split(log, folder: folder)
            let topic = KafkaTestBrokers.uniqueTopic("migration")
            let output = KafkaTestBrokers.uniqueTopic("migration-out")
            let group = KafkaTestBrokers.uniqueTopic("migration-group")
            for (bootstrap, partitions) in [(a, 4), (b, 2)] {
                let admin = try KafkaAdmin(KafkaTestBrokers.configuration(bootstrap))
                try admin.createTopic(topic, partitions: partitions)
                try admin.createTopic(output, partitions: 1)
            }
            let replay = try await Support.replay(log, out: folder.file("replay"))
            let data = folder.file("data")
            let sink = folder.file("data/signals")

            // 1. Cluster A alone.
            try await Support.produce(parts[0].path, topic: topic, partitions: 0, bootstrap: a)
            var run = try Support.startRun(
                pipeline: try pipeline(folder, topic: topic, group: group, clusters: ["a": a], sinkTo: a, output),
                data: data)
            #expect(try await consumed(topic, group: group, on: a, partitions: 4, records: parts[0].count))
            var result = await Support.stop(run)
            #expect(result.status == 0, "\(result)")

            // 2. B added: producers write to both (their copies are de-duplicated by event_id).
            run = try Support.startRun(
                pipeline: try pipeline(
                    folder, topic: topic, group: group, clusters: ["a": a, "b": b], sinkTo: a, output),
                data: data)
            try await Support.produce(parts[1].path, topic: topic, partitions: 0, bootstrap: a)
            try await Support.produce(parts[1].path, topic: topic, partitions: 0, bootstrap: b)
            #expect(
                try await consumed(topic, group: group, on: a, partitions: 4, records: parts[0].count + parts[1].count))
            #expect(try await consumed(topic, group: group, on: b, partitions: 2, records: parts[1].count))
            result = await Support.stop(run)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("kafka cluster b (\(b)) is new to this job"), "\(result.stderr)")

            // 3. A drained and removed; the sink moves to B; producers write to B only.
            run = try Support.startRun(
                pipeline: try pipeline(folder, topic: topic, group: group, clusters: ["b": b], sinkTo: b, output),
                data: data)
            try await Support.produce(parts[2].path, topic: topic, partitions: 0, bootstrap: b)
            let closed = await Support.caughtUp(sink, with: replay)
            result = await Support.stop(run)
            #expect(closed && result.status == 0, "\(result)")
            #expect(result.stderr.contains("kafka cluster a was removed from the source"), "\(result.stderr)")

            try Support.expectEquivalent(Support.committed(sink), replay)
            let counters = try Support.object(
                try String(contentsOfFile: folder.file("data/counters.json"), encoding: .utf8))
            #expect(counters["events_accepted"] as? Int == (try Support.lineCount(log)), "\(counters)")
            #expect(counters["duplicates_dropped"] as? Int == parts[1].count, "\(counters)")
            // Every record of the folder sink went to exactly one cluster's topic, A's before B's.
            let onA = try await KafkaRecordsReader.read(topic: output, bootstrap: a).map(\.value)
            let onB = try await KafkaRecordsReader.read(topic: output, bootstrap: b).map(\.value)
            #expect(!onA.isEmpty && !onB.isEmpty, "A \(onA.count), B \(onB.count)")
            let folderRecords = Support.committed(sink).values.flatMap { $0 }
            #expect((onA + onB).sorted() == folderRecords.sorted())
        }

        /// The log cut in three parts by line: 40 %, 30 %, 30 %.
        func split(_ log: String, folder: TemporaryFolder) throws -> [(path: String, count: Int)] {
            let lines = try Data(contentsOf: URL(fileURLWithPath: log)).split(separator: UInt8(ascii: "\n"))
            let cuts = [0, lines.count * 4 / 10, lines.count * 7 / 10, lines.count]
            return try (0..<3).map { part in
                let slice = lines[cuts[part]..<cuts[part + 1]]
                let body = slice.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n") + "\n"
                return (try folder.write("part\(part).jsonl", body), slice.count)
            }
        }

        /// One phase's pipeline: the clusters of the source and the sink's bootstrap change, nothing else.
        /// `idle_timeout` is longer than a restart: no partition goes idle between phases (CONTRACT 8).
        func pipeline(
            _ folder: TemporaryFolder, topic: String, group: String, clusters: KeyValuePairs<String, String>,
            sinkTo bootstrap: String, _ output: String
        ) throws -> String {
            let list = clusters.map { "{ name: \($0.key), bootstrap: \"\($0.value)\" }" }.joined(separator: ", ")
            return try folder.write(
                "migration.yaml",
                """
                time: { idle_timeout: 15s }
                sources:
                  events: { kind: kafka, topic: \(topic), group: \(group), clusters: [\(list)] }
                sinks:
                  files: { kind: folder, path: signals, roll_age: 500ms }
                  moved: { kind: kafka, bootstrap: "\(bootstrap)", topic: \(output) }
                checkpoint: { interval: 500ms }
                """)
        }

        /// Waits until the group's committed offsets on `bootstrap` (committed after durable checkpoints) cover
        /// `records` records.
        func consumed(_ topic: String, group: String, on bootstrap: String, partitions: Int32, records: Int)
            async throws -> Bool
        {
            let reader = try KafkaConsumer(KafkaTestBrokers.configuration(bootstrap, group: group))
            defer { reader.close() }
            return try await Support.eventually {
                let offsets = try reader.committed(
                    (0..<partitions).map { KafkaTopicPartition(topic, $0) }, timeout: .seconds(10))
                return offsets.reduce(0) { $0 + ($1 ?? 0) } == Int64(records)
            }
        }
    }
}
