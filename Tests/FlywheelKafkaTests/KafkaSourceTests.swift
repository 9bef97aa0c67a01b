import FlywheelKafka
import FlywheelTesting
import Foundation
import Testing

extension KafkaBrokerTests {
    /// `flywheel run` over a `kind: kafka` source, against Tansu brokers and a log produced by confluent-kafka:
    /// equal to a replay of the log, through crashes and restarts, and over an HA group that loses a cluster.
    @Suite(.enabled(if: KafkaTestBrokers.enabled, KafkaTestBrokers.skipReason), .serialized)
    struct KafkaSourceTests {
        typealias Support = KafkaSourceSupport

        @Test func fourPartitionKafkaRunEqualsTheReplayOfTheLog() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let folder = try TemporaryFolder("kafka-source-equivalence")
            defer { folder.remove() }
            let log = try Support.log(folder, seed: 31, malformed: 0.01)
            let topic = KafkaTestBrokers.uniqueTopic("source-eq")
            try await Support.produce(log, topic: topic, partitions: 4, bootstrap: bootstrap)
            let group = KafkaTestBrokers.uniqueTopic("source-eq-group")
            let pipeline = try Support.pipeline(
                folder, source: "{ kind: kafka, topic: \(topic), group: \(group), bootstrap: \"\(bootstrap)\" }")
            let data = folder.file("data")
            let replay = try await Support.replay(log, out: folder.file("replay"))
            let run = try Support.startRun(pipeline: pipeline, data: data)
            let sink = folder.file("data/signals")
            let closed = await Support.caughtUp(sink, with: replay)
            let result = await Support.stop(run)
            #expect(closed, "the idle advance did not close everything: \(result)")
            #expect(result.status == 0, "\(result)")
            let live = Support.committed(sink)
            #expect(!replay["conversation_summary"]!.isEmpty && !replay["dead_letter"]!.isEmpty)
            #expect(live["dead_letter"]!.contains { $0.contains("\"source\": \"kafka:default/\(topic)/") })
            try Support.expectEquivalent(live, replay)
            // The final checkpoint's offsets were committed to the group: every record, on every partition.
            let reader = try KafkaConsumer(KafkaTestBrokers.configuration(bootstrap, group: group))
            defer { reader.close() }
            let committed = try reader.committed((0..<4).map { KafkaTopicPartition(topic, $0) }, timeout: .seconds(10))
            #expect(committed.compactMap { $0 }.count == 4)
            #expect(committed.reduce(0) { $0 + ($1 ?? 0) } == Int64(try Support.lineCount(log)))
        }

        @Test func killedAtRandomMomentsAndRestartedTheRunLosesAndRepeatsNothing() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapB()
            let folder = try TemporaryFolder("kafka-source-restart")
            defer { folder.remove() }
            let log = try Support.log(folder, seed: 32, conversations: 1_500, malformed: 0.01)
            let topic = KafkaTestBrokers.uniqueTopic("source-restart")
            try await Support.produce(log, topic: topic, partitions: 4, bootstrap: bootstrap)
            let group = KafkaTestBrokers.uniqueTopic("source-restart-group")
            let pipeline = try Support.pipeline(
                folder, source: "{ kind: kafka, topic: \(topic), group: \(group), bootstrap: \"\(bootstrap)\" }")
            let data = folder.file("data")
            let replay = try await Support.replay(log, out: folder.file("replay"))
            let sink = folder.file("data/signals")
            var random = SeededGenerator(seed: 32)
            for _ in 0..<3 {
                let run = try Support.startRun(pipeline: pipeline, data: data)
                try await Task.sleep(for: .milliseconds(Int.random(in: 700...2_500, using: &random)))
                run.send(SIGKILL)
                _ = await run.wait(timeout: 30)
            }
            // Each run was killed before the idle advance (4 s after catching up) could close everything.
            #expect(Support.committed(sink)["conversation_summary"]!.count < replay["conversation_summary"]!.count)
            let run = try Support.startRun(pipeline: pipeline, data: data)
            let closed = await Support.caughtUp(sink, with: replay)
            let result = await Support.stop(run)
            #expect(closed, "the restarted run did not catch up: \(result)")
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("resumed from checkpoint"), "\(result)")
            try Support.expectEquivalent(Support.committed(sink), replay)
        }
    }
}
