import FlywheelTesting
import Foundation
import Testing

extension KafkaBrokerTests {
    /// `flywheel replay kafka://HOST:PORT/TOPIC`: a Kafka topic read to its end, as a file is.
    @Suite(.enabled(if: KafkaTestBrokers.enabled, KafkaTestBrokers.skipReason), .serialized)
    struct KafkaReplayTests {
        typealias Support = KafkaSourceSupport

        @Test(arguments: [1, 3])
        func aReplayOfATopicEqualsTheReplayOfItsLog(partitions: Int) async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let folder = try TemporaryFolder("kafka-replay")
            defer { folder.remove() }
            let log = try Support.log(folder, seed: 38, malformed: 0.01)
            let topic = KafkaTestBrokers.uniqueTopic("replay-\(partitions)")
            try await Support.produce(log, topic: topic, partitions: partitions, bootstrap: bootstrap)
            let expected = try await Support.replay(log, out: folder.file("file"))
            let result = try await KafkaCLI.run([
                "replay", "kafka://\(bootstrap)/\(topic)", "--out", folder.file("topic"), "--quiet",
            ])
            #expect(result.status == 0, "\(result)")
            let replayed = try Self.records(folder.file("topic"))
            if partitions == 1 {
                // One partition is the log in its order: every record the same but the dead letters' place.
                for kind in Support.kinds where kind != "dead_letter" {
                    #expect(replayed[kind] == expected[kind], "\(kind)")
                }
                let strip = { (records: [String]) throws -> [String] in
                    try records.map { try Support.stripped($0, ["source", "position"]) }
                }
                #expect(try strip(replayed["dead_letter"]!) == strip(expected["dead_letter"]!))
                #expect(replayed["dead_letter"]!.allSatisfy { $0.contains("\"source\": \"kafka:default/\(topic)/0\"") })
            } else {
                try Support.expectEquivalent(replayed, expected)
            }
            let summary = try Support.object(String(contentsOfFile: folder.file("topic/summary.json"), encoding: .utf8))
            #expect(summary["events_in"] as? Int == (try Support.lineCount(log)), "\(summary)")
        }

        @Test func aCheckpointedReplayOfATopicIsRefusedWithTheReason() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let folder = try TemporaryFolder("kafka-replay-checkpoint")
            defer { folder.remove() }
            let result = try await KafkaCLI.run([
                "replay", "kafka://\(bootstrap)/any", "--out", folder.file("out"), "--checkpoint-dir",
                folder.file("checkpoints"),
            ])
            #expect(result.status != 0)
            #expect(result.stderr.contains("--checkpoint-dir cannot resume a replay of a kafka:// input"), "\(result)")
        }

        /// Each kind's records of a replay folder.
        static func records(_ out: String) throws -> [String: [String]] {
            var records: [String: [String]] = [:]
            for kind in Support.kinds {
                let text = try String(
                    contentsOfFile: (out as NSString).appendingPathComponent(kind + ".jsonl"), encoding: .utf8)
                records[kind] = text.split(separator: "\n").map(String.init)
            }
            return records
        }
    }
}
