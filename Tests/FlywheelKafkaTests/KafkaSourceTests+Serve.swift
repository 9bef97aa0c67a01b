import FlywheelKafka
import FlywheelTesting
import Foundation
import Testing

/// `flywheel serve` over a pipeline whose source is a Kafka topic: the service runs it as `flywheel run` does.
extension KafkaBrokerTests.KafkaSourceTests {
    @Test func aServedPipelineReadsItsKafkaSource() async throws {
        let bootstrap = try KafkaTestBrokers.bootstrapB()
        let folder = try TemporaryFolder("kafka-source-serve")
        defer { folder.remove() }
        let log = try Support.log(folder, seed: 39, malformed: 0.01)
        let topic = KafkaTestBrokers.uniqueTopic("source-serve")
        try await Support.produce(log, topic: topic, partitions: 2, bootstrap: bootstrap)
        let group = KafkaTestBrokers.uniqueTopic("source-serve-group")
        let pipeline = try Support.pipeline(
            folder, source: "{ kind: kafka, topic: \(topic), group: \(group), bootstrap: \"\(bootstrap)\" }")
        let replay = try await Support.replay(log, out: folder.file("replay"))
        let service = try FlywheelCLI.start(
            ["serve", "--pipeline", pipeline, "--data", folder.file("data"), "--port", "0"],
            executable: KafkaCLI.binary)
        let sink = folder.file("data/signals")
        let closed = await Support.caughtUp(sink, with: replay)
        let result = await Support.stop(service)
        #expect(closed && result.status == 0, "\(result)")
        try Support.expectEquivalent(Support.committed(sink), replay)
    }
}

extension KafkaBrokerTests.KafkaSourceTests {
    /// `flywheel serve --source kafka://...`: the topic is read next to the ingest topic `events`; events posted
    /// over HTTP would join it (none here), the Kafka log alone gives its replay.
    @Test func aServiceReadsAKafkaTopicGivenByFlagsNextToItsIngest() async throws {
        let bootstrap = try KafkaTestBrokers.bootstrapA()
        let folder = try TemporaryFolder("kafka-source-serve-flags")
        defer { folder.remove() }
        let log = try Support.log(folder, seed: 40, malformed: 0.01)
        let topic = KafkaTestBrokers.uniqueTopic("source-serve-flags")
        try await Support.produce(log, topic: topic, partitions: 2, bootstrap: bootstrap)
        let pipeline = try folder.write(
            "serve.yaml",
            """
            time: { idle_timeout: 4s }
            sinks:
              files: { kind: folder, path: signals, roll_age: 500ms }
            checkpoint: { interval: 500ms }
            """)
        let replay = try await Support.replay(log, out: folder.file("replay"))
        let service = try FlywheelCLI.start(
            [
                "serve", "--pipeline", pipeline, "--data", folder.file("data"), "--port", "0", "--source",
                "kafka://\(bootstrap)/\(topic)", "--group", KafkaTestBrokers.uniqueTopic("serve-flags-group"),
            ], executable: KafkaCLI.binary)
        let sink = folder.file("data/signals")
        let closed = await Support.caughtUp(sink, with: replay)
        let result = await Support.stop(service)
        #expect(closed && result.status == 0, "\(result)")
        try Support.expectEquivalent(Support.committed(sink), replay)
    }
}
