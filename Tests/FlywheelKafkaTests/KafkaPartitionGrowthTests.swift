import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import Foundation
import Synchronization
import Testing

@testable import FlywheelKafka

extension KafkaBrokerTests {
    /// Partitions added to a topic under a running job (Tansu cannot add partitions, so a checkpoint or an
    /// assignment of fewer partitions than the topic has stands for the topic before it grew).
    @Suite(.enabled(if: KafkaTestBrokers.enabled, KafkaTestBrokers.skipReason), .serialized, .timeLimit(.minutes(3)))
    struct KafkaPartitionGrowthTests {
        static let decoding = DecodeOptions(maxEventBytes: 1 << 20, countsPII: false)

        @Test func aRestartReadsPartitionsTheCheckpointLacksFromTheirBeginning() throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let topic = KafkaTestBrokers.uniqueTopic("growth")
            try KafkaTestTopics.makeTenPerPartition(topic, on: bootstrap)
            let spec = KafkaSourceSpec(
                topic: topic, group: KafkaTestBrokers.uniqueTopic("growth-group"),
                clusters: [.init(name: "default", bootstrap: bootstrap)], start: .latest,
                properties: [.init("socket.timeout.ms", "10000")])
            let warnings = Mutex<[String]>([])
            let source = try KafkaSource(spec) { text in warnings.withLock { $0.append(text) } }
            // The checkpoint of a job that read partitions 0 and 1 to their end when the topic had two.
            let state = KafkaSourceState(clusters: [.init(name: "default", offsets: [(0, 10), (1, 10)])])
            let partitions = try source.open(restoring: state.encoded(), decoding: Self.decoding)
            defer { partitions.forEach { $0.close() } }
            #expect((0..<4).map(source.name(ofPartition:)) == (0..<4).map { "kafka:default/\(topic)/\($0)" })
            let said = warnings.withLock { $0 }
            #expect(said.contains { $0.contains("partitions 2, 3 are new to this job") }, "\(said)")

            // The new partitions start at their beginning (not at `start: latest`); the others where they were.
            var offsets = [Int: [Int64]]()
            let deadline = ContinuousClock.now + .seconds(60)
            while (offsets[2]?.count ?? 0) + (offsets[3]?.count ?? 0) < 20 && ContinuousClock.now < deadline {
                for (index, partition) in partitions.enumerated() {
                    _ = try partition.read(maxLines: 100) { line in
                        offsets[index, default: []].append(line.position)
                    }
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect(offsets[2] == Array(0..<10))
            #expect(offsets[3] == Array(0..<10))
            #expect(offsets[0] == nil && offsets[1] == nil)
        }

        @Test func aCheckpointOfMorePartitionsThanTheTopicHasIsAnError() throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let topic = KafkaTestBrokers.uniqueTopic("shrunk")
            try KafkaTestTopics.makeTenPerPartition(topic, on: bootstrap)
            let spec = KafkaSourceSpec(
                topic: topic, group: KafkaTestBrokers.uniqueTopic("shrunk-group"),
                clusters: [.init(name: "default", bootstrap: bootstrap)])
            let source = try KafkaSource(spec) { _ in }
            let state = KafkaSourceState(clusters: [.init(name: "default", offsets: (0..<5).map { (Int32($0), 0) })])
            let error = try #require(throws: ConnectorError.self) {
                try source.open(restoring: state.encoded(), decoding: Self.decoding)
            }
            #expect(error.code == .checkpointMismatch)
            #expect(error.message.contains("partitions cannot be removed under a job"), "\(error)")
        }

        /// While running, the reachability probe sees the topic's partition count: more than the job reads is
        /// said once (a restart reads them).
        @Test func aRunningReaderSaysOnceThatTheTopicHasMorePartitionsThanItReads() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let topic = KafkaTestBrokers.uniqueTopic("growth-live")
            try KafkaTestTopics.makeTenPerPartition(topic, on: bootstrap)
            let warnings = Mutex<[String]>([])
            var timing = KafkaClusterReader.Timing()
            timing.healthyProbe = .milliseconds(200)
            let reader = try KafkaClusterReader(
                name: "default", topic: topic, configuration: KafkaTestBrokers.configuration(bootstrap), timing: timing
            ) { text in warnings.withLock { $0.append(text) } }
            try reader.start([KafkaTopicPartition(topic, 0, offset: 0), KafkaTopicPartition(topic, 1, offset: 0)])
            let deadline = ContinuousClock.now + .seconds(60)
            let growth = { warnings.withLock { $0 }.filter { $0.contains("has 4 partitions, this job reads 2") } }
            while growth().isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            // A few more probes: the same count is not said again.
            try await Task.sleep(for: .seconds(1))
            reader.partitionClosed()
            reader.partitionClosed()
            #expect(growth().count == 1, "\(warnings.withLock { $0 })")
        }
    }
}
