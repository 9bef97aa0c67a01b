import FlywheelKafka
import FlywheelTesting
import Foundation
import Testing

extension KafkaBrokerTests {
    /// `flywheel kafka` run as a user runs it, checked against confluent-kafka (a client not written here).
    @Suite(.enabled(if: KafkaTestBrokers.enabled, KafkaTestBrokers.skipReason), .serialized)
    struct KafkaCLITests {
        @Test func producedGeneratedLogReadsBackThroughConfluentKafkaWithEqualCountsAndKeys() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let folder = try TemporaryFolder()
            let log = folder.file("events.jsonl")
            let generated = try await KafkaCLI.run([
                "generate", "--conversations", "300", "--seed", "11", "--malformed-rate", "0.02", "--out", log,
            ])
            try #require(generated.status == 0, "\(generated)")
            let topic = KafkaTestBrokers.uniqueTopic("cli-produce")
            let produced = try await KafkaCLI.run([
                "kafka", "produce", log, "--bootstrap", bootstrap, "--topic", topic, "--key-field", "conversation_id",
                "--partitions", "4",
            ])
            try #require(produced.status == 0, "\(produced)")

            let expected = try KafkaExpectedLog(path: log, keyField: "conversation_id")
            #expect(produced.stdout.contains("produced \(expected.records) records"))
            let read = try await ConfluentKafkaReader.read(topic: topic, bootstrap: bootstrap)
            #expect(read.partitions == 4)
            #expect(read.count == expected.records)
            #expect(read.keyless == expected.keyless)
            #expect(read.keys == expected.keys)
            #expect(read.valueDigest == expected.valueDigest)
        }

        @Test func lagShowsCommittedEndAndLagPerPartitionAndTotals() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapB()
            let topic = KafkaTestBrokers.uniqueTopic("cli-lag")
            let group = KafkaTestBrokers.uniqueTopic("lag-group")
            try KafkaTestTopics.makeTenPerPartition(topic, on: bootstrap)
            let committer = try KafkaConsumer(KafkaTestBrokers.configuration(bootstrap, group: group))
            try committer.commit([KafkaTopicPartition(topic, 0, offset: 10), KafkaTopicPartition(topic, 1, offset: 4)])
            committer.close()

            let json = try await KafkaCLI.run([
                "kafka", "lag", "--bootstrap", bootstrap, "--group", group, "--topic", topic, "--json",
            ])
            try #require(json.status == 0, "\(json)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["total_lag"] as? Int == 6)
            #expect(object["partitions_without_commit"] as? Int == 2)
            let rows = try #require(object["partitions"] as? [[String: Any]])
            #expect(rows.map { $0["lag"] as? Int } == [0, 6, nil, nil])
            #expect(rows.map { $0["end"] as? Int } == [10, 10, 10, 10])

            // Without --topic: only the partitions the group committed.
            let table = try await KafkaCLI.run(["kafka", "lag", "--bootstrap", bootstrap, "--group", group])
            try #require(table.status == 0, "\(table)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            let fields = lines.map { $0.split(separator: " ").map(String.init) }
            #expect(fields.contains([topic, "0", "10", "10", "0"]))
            #expect(fields.contains([topic, "1", "4", "10", "6"]))
            #expect(lines.last == "total lag 6 over 2 partitions")
        }

        @Test func producingToAMissingTopicWithoutPartitionsSaysHowToCreateIt() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let folder = try TemporaryFolder()
            let log = folder.file("one.jsonl")
            try Data("{\"conversation_id\":\"c1\"}\n".utf8).write(to: URL(fileURLWithPath: log))
            let result = try await KafkaCLI.run([
                "kafka", "produce", log, "--bootstrap", bootstrap, "--topic", KafkaTestBrokers.uniqueTopic("missing"),
            ])
            #expect(result.status == 1)
            #expect(result.stderr.contains("does not exist"))
            #expect(result.stderr.contains("--partitions N"))
        }
    }
}

/// Runs the `flywheel` binary built with the tests.
enum KafkaCLI {
    /// `flywheel` next to the test bundle (any --scratch-path), else the package's .build/debug.
    static let binary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [beside, beside.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("flywheel").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return FlywheelCLI.binary
    }()

    static func run(_ arguments: [String], stdin: Data? = nil) async throws -> FlywheelCLI.Result {
        try await FlywheelCLI.run(arguments, stdin: stdin, executable: binary, timeout: 180)
    }
}
