import FlywheelSignals
import FlywheelTesting
import Foundation
import Synchronization
import Testing

@testable import FlywheelKafka

extension KafkaBrokerTests {
    /// Exactly once across a crash between a checkpoint's write and its transaction's commit.
    @Suite(.enabled(if: KafkaTestBrokers.enabled, KafkaTestBrokers.skipReason), .serialized, .timeLimit(.minutes(10)))
    struct KafkaSinkRecoveryTests {
        /// A live run on half the log, stopped gracefully; a second run on the whole log that exits
        /// (FLYWHEEL_TEST_CRASH_AFTER_CHECKPOINT_WRITE) after a checkpoint is durable and before its transaction
        /// commits; a third run without it, stopped after reading everything. The second run does not produce the
        /// first run's committed transaction again; the third produces the uncommitted one again; a read_committed
        /// reader finds every record of the folder sink and none it lacks. Tansu 0.6 also shows the aborted
        /// originals (Apache Kafka hides them): there the topic holds, in addition, the resent records a second
        /// time, which proves that they were resent.
        @Test func aCrashBetweenCheckpointAndCommitLosesNoRecord() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapB()
            let topic = KafkaTestBrokers.uniqueTopic("ksink-window")
            let run = try await KafkaSinkRun(bootstrap: bootstrap, topic: topic, exactlyOnce: true, follow: true)
            let lines = try run.keepFirstHalf()
            let arguments = ["run", "--pipeline", run.pipeline, "--data", run.folder.path, "--quiet"]

            let first = try await Self.runUntilStopped(arguments, run: run, eventsIn: lines.half)
            #expect(Self.resentCount(first.stderr) == nil, "\(first)")

            try run.appendSecondHalf(lines)
            let crashing = try FlywheelCLI.start(
                arguments, environment: ["FLYWHEEL_TEST_CRASH_AFTER_CHECKPOINT_WRITE": "1"],
                executable: KafkaCLI.binary)
            let crashed = await crashing.wait(timeout: 180)
            try #require(!crashed.signaled && crashed.status == 137, "the run should exit in the window: \(crashed)")
            #expect(Self.resentCount(crashed.stderr) == nil, "run 1's last transaction committed: \(crashed)")

            let result = try await Self.runUntilStopped(arguments, run: run, eventsIn: lines.all.count)
            let resent = try #require(Self.resentCount(result.stderr), "no notice of records produced again: \(result)")
            #expect(resent > 0)

            let read = try await KafkaRecordsReader.read(topic: topic, bootstrap: bootstrap, readCommitted: true)
            let expected = try KafkaSinkTests.kinds.flatMap(run.folderLines)
            #expect(expected.count > 100)
            #expect(Set(read.map(\.value)) == Set(expected))
            let visibleAborted = try await Self.showsAbortedRecords(bootstrap)
            #expect(
                read.count == expected.count + (visibleAborted ? resent : 0),
                "\(read.count) read, \(expected.count) in the folder sink, \(resent) resent, aborted \(visibleAborted)")
        }

        /// Whether read_committed readers of the broker see an aborted transaction's records (Tansu 0.6 does).
        static func showsAbortedRecords(_ bootstrap: String) async throws -> Bool {
            let topic = KafkaTestBrokers.uniqueTopic("aborted-probe")
            try KafkaAdmin(KafkaTestBrokers.configuration(bootstrap)).createTopic(topic, partitions: 1)
            var properties = KafkaTestBrokers.configuration(bootstrap).properties
            properties["transactional.id"] = topic
            let producer = try KafkaProducer(KafkaConfiguration(bootstrap: bootstrap, properties))
            try producer.initTransactions(timeout: .seconds(60))
            try producer.beginTransaction()
            try producer.send(topic: topic, key: nil, value: Array("aborted".utf8))
            try producer.flush(timeout: .seconds(60))
            try producer.abortTransaction(timeout: .seconds(60))
            return try await !KafkaRecordsReader.read(topic: topic, bootstrap: bootstrap, readCommitted: true).isEmpty
        }

        /// In process: a sink restored from a checkpoint whose transaction committed produces nothing again; one
        /// restored from a checkpoint whose transaction never committed (no `commit`, as after a crash) produces
        /// that transaction's records again, and keeps them as its own transaction's records.
        @Test func aRestoredSinkProducesAgainOnlyATransactionThatDidNotCommit() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let topic = KafkaTestBrokers.uniqueTopic("ksink-marker")
            try KafkaAdmin(KafkaTestBrokers.configuration(bootstrap)).createTopic(topic, partitions: 2)
            let spec = PipelineConfig.SinkSpec(
                name: "kafka",
                kind: .kafka(
                    KafkaSinkSpec(
                        bootstrap: bootstrap, topics: .single(topic), properties: ["socket.timeout.ms": "10000"],
                        exactlyOnce: true)))
            let notices = Mutex<[String]>([])
            let makeSink = { try KafkaSink(spec, pipeline: topic) { text in notices.withLock { $0.append(text) } } }
            let lines = (0..<5).map { "{\"signal\": \"sft_example\", \"conversation_id\": \"c\($0)\"}" }
            let records = lines.map {
                SignalRecord(kind: .sftExample, key: OutputSortKey(0), line: Array(($0 + "\n").utf8))
            }

            let first = try makeSink()
            try await first.restore(nil)
            try await first.write(Array(records[..<3]))
            let committed = try await first.snapshot(checkpoint: 1, closing: true)
            try await first.commit(checkpoint: 1)
            try await first.close(.stopped)

            let second = try makeSink()
            try await second.restore(committed)
            #expect(notices.withLock { $0 }.isEmpty, "the committed transaction is not produced again")
            try await second.write(Array(records[3...]))
            let uncommitted = try await second.snapshot(checkpoint: 2, closing: false)

            let third = try makeSink()  // fences `second`, whose transaction stays open: the crash
            try await third.restore(uncommitted)
            let said = notices.withLock { $0 }
            #expect(said.count == 1 && said[0].contains("checkpoint 2 did not commit"), "\(said)")
            #expect(said.first.flatMap(KafkaSinkRecoveryTests.resentCount) == 2)
            let last = try await third.snapshot(checkpoint: 3, closing: true)
            #expect(
                try KafkaSinkTransaction(decoding: last)?.records.map(\.value) == lines[3...].map { Array($0.utf8) })
            try await third.commit(checkpoint: 3)
            try await third.close(.stopped)
            withExtendedLifetime(second) {}

            let read = try await KafkaRecordsReader.read(topic: topic, bootstrap: bootstrap, readCommitted: true)
            let visibleAborted = try await Self.showsAbortedRecords(bootstrap)
            #expect(Set(read.map(\.value)) == Set(lines))
            #expect(read.count == lines.count + (visibleAborted ? 2 : 0), "\(read.map(\.value))")
        }

        /// Starts `flywheel ARGUMENTS`, waits for a checkpoint of `eventsIn` events, stops it with SIGTERM (SIGKILL
        /// when the wait fails) and requires a clean exit.
        static func runUntilStopped(
            _ arguments: [String], run: KafkaSinkRun, eventsIn: Int
        ) async throws -> FlywheelCLI.Result {
            let running = try FlywheelCLI.start(arguments, executable: KafkaCLI.binary)
            do {
                try await run.waitForCheckpoint(eventsIn: eventsIn)
            } catch {
                running.send(SIGKILL)
                Issue.record("\(await running.wait())")
                throw error
            }
            running.send(SIGTERM)
            let result = await running.wait(timeout: 180)
            try #require(result.status == 0, "\(result)")
            return result
        }

        /// The count in the restart's notice "... producing its N records again".
        static func resentCount(_ stderr: String) -> Int? {
            guard let range = stderr.range(of: "producing its ") else { return nil }
            return Int(stderr[range.upperBound...].prefix { $0.isNumber })
        }
    }
}

/// The exactly-once sink's checkpoint state (no broker needed).
struct KafkaSinkTransactionTests {
    static func sample() -> KafkaSinkTransaction {
        var transaction = KafkaSinkTransaction(bootstrap: "127.0.0.1:9092", transactionalID: "p.kafka", marker: 42)
        transaction.checkpoint = 7
        transaction.append(
            .init(
                topic: "signals", key: Array("c1".utf8), value: Array("{\"signal\": \"sft_example\"}".utf8),
                headers: [KafkaHeader("flywheel-kind", "sft_example"), KafkaHeader("empty", nil)]))
        transaction.append(.init(topic: "signals.other", key: nil, value: [], headers: []))
        return transaction
    }

    @Test func aStateDecodesToTheTransactionItEncodes() throws {
        let transaction = Self.sample()
        let decoded = try #require(try KafkaSinkTransaction(decoding: transaction.encoded()))
        #expect(decoded == transaction)
        #expect(decoded.markerPartition == KafkaTopicPartition("signals", 0, offset: 42))
    }

    @Test func theStateOfAnEarlierFlywheelHasNoTransaction() throws {
        #expect(try KafkaSinkTransaction(decoding: [1]) == nil)
        #expect(try KafkaSinkTransaction(decoding: []) == nil)
    }

    @Test func aTruncatedStateIsReportedAsDamaged() {
        let state = Self.sample().encoded()
        for length in [5, 12, state.count / 2, state.count - 1] {
            #expect(throws: (any Error).self, "\(length) bytes") {
                try KafkaSinkTransaction(decoding: Array(state.prefix(length)))
            }
        }
    }

    @Test func anEmptyTransactionHasNoMarker() {
        let transaction = KafkaSinkTransaction(bootstrap: "b:1", transactionalID: "t")
        #expect(transaction.markerPartition == nil)
        #expect(transaction.marker > 0)
    }
}
