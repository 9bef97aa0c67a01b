import FlywheelKafka
import FlywheelTesting
import Foundation
import Testing

/// `flywheel run --source kafka://HOST:PORT/TOPIC --group G`: the pipeline file's sources replaced from the
/// command line, with the same result as a `kind: kafka` source.
extension KafkaBrokerTests.KafkaSourceTests {
    @Test func aKafkaSourceGivenByFlagsEqualsTheReplayOfTheLog() async throws {
        let bootstrap = try KafkaTestBrokers.bootstrapB()
        let folder = try TemporaryFolder("kafka-source-flags")
        defer { folder.remove() }
        let log = try Support.log(folder, seed: 36, malformed: 0.01)
        let topic = KafkaTestBrokers.uniqueTopic("source-flags")
        try await Support.produce(log, topic: topic, partitions: 3, bootstrap: bootstrap)
        let group = KafkaTestBrokers.uniqueTopic("source-flags-group")
        let pipeline = try folder.write(
            "flags.yaml",
            """
            time: { idle_timeout: 4s }
            sinks:
              files: { kind: folder, path: signals, roll_age: 500ms }
            checkpoint: { interval: 500ms }
            """)
        let replay = try await Support.replay(log, out: folder.file("replay"))
        let run = try FlywheelCLI.start(
            [
                "run", "--pipeline", pipeline, "--data", folder.file("data"), "--source",
                "kafka://\(bootstrap)/\(topic)", "--group", group, "--source-property", "fetch.wait.max.ms=50",
            ], executable: KafkaCLI.binary)
        let sink = folder.file("data/signals")
        let closed = await Support.caughtUp(sink, with: replay)
        let result = await Support.stop(run)
        #expect(closed && result.status == 0, "\(result)")
        let live = Support.committed(sink)
        #expect(live["dead_letter"]!.contains { $0.contains("\"source\": \"kafka:default/\(topic)/") })
        try Support.expectEquivalent(live, replay)
        // The group given by --group holds the final checkpoint's offsets.
        let reader = try KafkaConsumer(KafkaTestBrokers.configuration(bootstrap, group: group))
        defer { reader.close() }
        let committed = try reader.committed((0..<3).map { KafkaTopicPartition(topic, $0) }, timeout: .seconds(10))
        #expect(committed.reduce(0) { $0 + ($1 ?? 0) } == Int64(try Support.lineCount(log)))
    }
}
