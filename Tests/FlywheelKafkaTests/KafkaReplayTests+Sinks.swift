import FlywheelTesting
import Foundation
import Testing

/// `flywheel replay --pipeline FILE` whose pipeline has `kind: kafka` sinks: they get their kinds' records,
/// delivered before the replay ends, and read back by confluent-kafka equal the replay's files.
extension KafkaBrokerTests.KafkaReplayTests {
    @Test func aReplayWritesThePipelinesKafkaSinksAndTheyEqualItsFiles() async throws {
        let bootstrap = try KafkaTestBrokers.bootstrapB()
        let folder = try TemporaryFolder("kafka-replay-sinks")
        defer { folder.remove() }
        let log = try Support.log(folder, seed: 39, malformed: 0.01)
        let prefix = KafkaTestBrokers.uniqueTopic("replay-sink") + "."
        let pipeline = try folder.write(
            "pipeline.yaml",
            """
            name: replay-sinks
            sinks:
              every-kind: { kind: kafka, bootstrap: "\(bootstrap)", prefix: "\(prefix)" }
              alerts: { kind: kafka, bootstrap: "\(bootstrap)", topic: "\(prefix)alerts", kinds: [quality_alert, dead_letter] }
            """)
        let result = try await KafkaCLI.run([
            "replay", log, "--pipeline", pipeline, "--out", folder.file("out"), "--quiet",
        ])
        try #require(result.status == 0, "\(result)")
        let files = try Self.records(folder.file("out"))
        var total = 0
        for kind in Support.kinds where !files[kind]!.isEmpty {
            let read = try await KafkaRecordsReader.read(topic: prefix + kind, bootstrap: bootstrap)
            total += read.count
            #expect(read.map(\.value).sorted() == files[kind]!.sorted(), "\(kind)")
            #expect(read.allSatisfy { $0.headers == ["flywheel-kind": kind, "flywheel-pipeline": "replay-sinks"] })
        }
        #expect(total > 100, "the generated log should give records of several kinds")
        let alerts = try await KafkaRecordsReader.read(topic: prefix + "alerts", bootstrap: bootstrap)
        let expectedAlerts = files["quality_alert"]! + files["dead_letter"]!
        #expect(!expectedAlerts.isEmpty)
        #expect(alerts.map(\.value).sorted() == expectedAlerts.sorted())
    }

    @Test func aReplayWhoseKafkaSinkCannotDeliverFailsNamingTheSink() async throws {
        let folder = try TemporaryFolder("kafka-replay-sink-down")
        defer { folder.remove() }
        let log = try Support.log(folder, seed: 40, conversations: 20, malformed: 0)
        let port = KafkaTestPorts.closed()
        let pipeline = try folder.write(
            "pipeline.yaml",
            """
            name: replay-sink-down
            sinks:
              nowhere:
                kind: kafka
                bootstrap: "127.0.0.1:\(port)"
                topic: signals
                properties: { message.timeout.ms: "2000" }
            """)
        let result = try await KafkaCLI.run([
            "replay", log, "--pipeline", pipeline, "--out", folder.file("out"), "--quiet",
        ])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("kafka sink nowhere (127.0.0.1:\(port))"), "\(result.stderr)")
        // Not finished: no record file has its final name.
        #expect(!FileManager.default.fileExists(atPath: folder.file("out/summary.json")))
    }
}
