import FlywheelTesting
import Foundation
import Testing

extension KafkaBrokerTests.KafkaCLITests {
    /// `flywheel kafka bench --pipeline --baseline confluent-kafka`: the three readers each read every record of
    /// the topic (the pipeline as events it took in), and the summary gives the ratios to the baseline.
    @Test func benchReadsTheTopicRawThroughThePipelineAndWithConfluentKafka() async throws {
        let bootstrap = try KafkaTestBrokers.bootstrapA()
        let folder = try TemporaryFolder("kafka-bench")
        defer { folder.remove() }
        let log = try KafkaSourceSupport.log(folder, seed: 37, conversations: 200, malformed: 0.01)
        let topic = KafkaTestBrokers.uniqueTopic("cli-bench")
        try await KafkaSourceSupport.produce(log, topic: topic, partitions: 2, bootstrap: bootstrap)
        let count = try KafkaSourceSupport.lineCount(log)
        let result = try await KafkaCLI.run([
            "kafka", "bench", "--bootstrap", bootstrap, "--topic", topic, "--pipeline", "--baseline", "confluent-kafka",
        ])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("round 1: KafkaConsumer: read \(count) records"), "\(result.stdout)")
        #expect(result.stdout.contains("round 1: confluent-kafka: \(count) records in"), "\(result.stdout)")
        #expect(result.stdout.contains("round 1: pipeline: read \(count) events in"), "\(result.stdout)")
        #expect(result.stdout.contains("pipeline / confluent-kafka: "), "\(result.stdout)")

        let bad = try await KafkaCLI.run([
            "kafka", "bench", "--bootstrap", bootstrap, "--topic", topic, "--baseline", "kcat",
        ])
        #expect(bad.status == 64 && bad.stderr.contains("--baseline must be confluent-kafka or none"), "\(bad)")
    }
}
