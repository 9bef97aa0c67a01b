import FlywheelForward
import FlywheelTesting
import Foundation
import Testing

/// `flywheel forward --from kafka://...` against a real broker (FLYWHEEL_KAFKA_A, as `.ci/kafka-brokers
/// start` exports it), with records produced by confluent-kafka's Python client (a client not written here).
/// Skipped outside CI without a broker; under CI=true a missing broker fails.
@Suite("flywheel forward from Kafka", .serialized)
struct ForwardKafkaCLITests {
    static let bootstrap = ProcessInfo.processInfo.environment["FLYWHEEL_KAFKA_A"].flatMap { $0.isEmpty ? nil : $0 }
    static let enabled = bootstrap != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    /// Creates `topic` with `partitions` partitions and produces `lines` keyed by their `id`, one record per
    /// batch (Tansu reports a partition's end as its last batch's first offset + 1).
    static func produce(_ lines: [String], topic: String, partitions: Int, bootstrap: String) async throws {
        let script = """
            import sys
            from confluent_kafka import Producer
            from confluent_kafka.admin import AdminClient, NewTopic
            bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
            admin = AdminClient({"bootstrap.servers": bootstrap})
            for future in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
                future.result(30)
            producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "batch.num.messages": 1})
            failures = []
            for line in sys.stdin.read().splitlines():
                key = line.split('"id": "')[1].split('"')[0]
                producer.produce(topic, value=line.encode(), key=key.encode(),
                                 on_delivery=lambda error, message: error and failures.append(error))
                producer.flush(30)
            if failures:
                sys.exit("delivery failed: %s" % failures[0])
            """
        let input = Data(lines.map { $0 + "\n" }.joined().utf8)
        // Blocking waits on a thread of their own, not on one of the few threads every async test shares.
        let (status, message) = try await FlywheelCLI.offThePool { () throws -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, bootstrap, topic, String(partitions)]
            let stdin = Pipe()
            let errors = Pipe()
            process.standardInput = stdin
            process.standardError = errors
            try process.run()
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
            let message = String(
                decoding: FlywheelCLI.readToEnd(errors.fileHandleForReading.fileDescriptor), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, message)
        }
        try #require(status == 0, "python producer: \(message)")
    }

    @Test("every record of a Kafka topic is delivered, positions committed per partition", .enabled(if: enabled))
    func forwardsAKafkaTopic() async throws {
        guard let bootstrap = Self.bootstrap else {
            Issue.record("FLYWHEEL_KAFKA_A is not set (CI=true): run eval \"$(.ci/kafka-brokers start)\" first")
            return
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let topic = "forward-\(UUID().uuidString.prefix(8).lowercased())"
        let lines = ForwardCLITests.lines(120)
        try await Self.produce(lines, topic: topic, partitions: 3, bootstrap: bootstrap)
        let receiver = try await LoopbackReceiver.start { request in
            request.index % 4 == 1 ? .status(503) : .status(200)
        }
        let data = folder.file("data")
        let arguments = [
            "forward", "--from", "kafka://\(bootstrap)/\(topic)", "--to", receiver.url("/in"), "--data", data,
            "--batch", "10", "--backoff-base", "5ms", "--group", "forwarder-\(topic)", "--exit-at-end",
        ]
        let result = try await FlywheelCLI.run(arguments)
        #expect(result.status == 0, "\(result)")
        let delivered = receiver.accepted.flatMap { $0.lines.map { String(decoding: $0, as: UTF8.self) } }
        #expect(Set(delivered) == Set(lines))
        #expect(delivered.count == lines.count)
        let positions = try ForwardCLITests.positions(data, name: topic)
        #expect(positions.count == 3)
        #expect(positions.reduce(0, +) == 120)
        // A second run resumes from the positions: nothing to send.
        let before = receiver.requests.count
        let again = try await FlywheelCLI.run(arguments + ["--quiet"])
        #expect(again.status == 0, "\(again)")
        #expect(receiver.requests.count == before)
        try await receiver.stop()
    }

    @Test("a kafka:// source that names no topic is refused with the form to use")
    func badKafkaSource() async throws {
        let result = try await FlywheelCLI.run([
            "forward", "--from", "kafka://127.0.0.1:9092", "--to", "http://127.0.0.1:1/", "--data", "/tmp",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("kafka://HOST:PORT/TOPIC"), "\(result)")
    }
}
