import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import FlywheelTesting
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
        /// said once, and the reader asks the job to reopen it.
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
            #expect(reader.reopenRequest?.contains("has 4 partitions, this job reads 2") == true)
        }

        /// A live job (`RunJob`, as `flywheel run` and `flywheel serve` run it) reads partitions added while it
        /// runs: the probe sees the topic's new count, the job stops at a checkpoint and opens its source again
        /// from it, in the same process, and the new partitions join from their beginning. The first half of the
        /// log goes to partitions 0 and 1 of a 4-partition topic that the first opening reads as if it had two;
        /// the second half, produced once the new partitions joined, goes to all four (as producers write after a
        /// topic grew). The signals equal a replay of the log.
        @Test func aLiveJobReadsPartitionsAddedWhileItRunsWithoutARestart() async throws {
            typealias Support = KafkaSourceSupport
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let folder = try TemporaryFolder("kafka-growth-live")
            defer { folder.remove() }
            let log = try Support.log(folder, seed: 43, conversations: 400, malformed: 0.01)
            // Bytes, not text: malformed lines may hold invalid UTF-8.
            let lines = try Data(contentsOf: URL(fileURLWithPath: log)).split(separator: UInt8(ascii: "\n"))
            let half = lines.count / 2
            let before = folder.file("before.jsonl")
            let after = folder.file("after.jsonl")
            try Data(lines[..<half].joined(separator: [UInt8(ascii: "\n")]) + [UInt8(ascii: "\n")])
                .write(to: URL(fileURLWithPath: before))
            try Data(lines[half...].joined(separator: [UInt8(ascii: "\n")]) + [UInt8(ascii: "\n")])
                .write(to: URL(fileURLWithPath: after))
            let topic = KafkaTestBrokers.uniqueTopic("growth-run")
            try await Support.produce(before, topic: topic, partitions: 4, bootstrap: bootstrap, modulo: 2)
            let group = KafkaTestBrokers.uniqueTopic("growth-run-group")
            // idle_timeout outlasts the reopening and the second producer's start: a partition idle meanwhile
            // would let the idle advance pass the second half.
            let pipeline = try folder.write(
                "live.yaml",
                """
                time: { idle_timeout: 20s }
                sources:
                  events: { kind: kafka, topic: \(topic), group: \(group), bootstrap: "\(bootstrap)" }
                sinks:
                  files: { kind: folder, path: signals, roll_age: 500ms }
                checkpoint: { interval: 500ms }
                """)
            let loaded = try LoadedPipeline.load(path: pipeline)
            var options = RunOptions(
                config: loaded.config, catalog: loaded.catalog, dataDir: folder.file("data"), parallelism: 2)
            let opens = Atomic<Int>(0)
            var timing = KafkaClusterReader.Timing()
            timing.healthyProbe = .milliseconds(300)
            options.externalSource = { [timing] spec, warn in
                guard case .kafka(let kafka) = spec.kind else { throw ConnectorError(.invalidOption, "not kafka") }
                let first = opens.add(1, ordering: .relaxed).oldValue == 0
                return try KafkaSource(kafka, timing: timing, readsAtMost: first ? 2 : nil, warn: warn)
            }
            let warnings = Mutex<[String]>([])
            options.warn = { text in warnings.withLock { $0.append(text) } }
            let stop = StopSignals([])
            options.stop = stop
            let run = Task { try await RunJob.run(options) }
            let joined = await Support.eventually(timeout: 60) {
                warnings.withLock { $0 }.contains { $0.contains("partitions 2, 3 are new to this job") }
            }
            #expect(joined, "\(warnings.withLock { $0 })")
            try await Support.produce(after, topic: topic, partitions: 0, bootstrap: bootstrap)
            let replay = try await Support.replay(log, out: folder.file("replay"))
            let sink = folder.file("data/signals")
            let closed = await Support.caughtUp(sink, with: replay)
            stop.stop()
            let result = try await run.value
            #expect(closed, "the idle advance did not close everything")
            let said = warnings.withLock { $0 }
            #expect(opens.load(ordering: .relaxed) == 2, "\(said)")
            #expect(said.contains { $0.contains("has 4 partitions, this job reads 2") }, "\(said)")
            #expect(said.contains { $0.contains("opens its sources again from it") }, "\(said)")
            #expect(result.stoppedAtCheckpoint != nil && result.reopen == nil)
            #expect(result.counters.eventsIn == Int64(lines.count))
            try Support.expectEquivalent(Support.committed(sink), replay)
        }
    }
}
