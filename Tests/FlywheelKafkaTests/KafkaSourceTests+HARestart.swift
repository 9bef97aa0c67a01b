import FlywheelKafka
import FlywheelTesting
import Foundation
import Testing

/// An HA group: the same events on two clusters, one of which crashes mid-stream and comes back later with
/// its log (Tansu on S3 storage).
extension KafkaBrokerTests.KafkaSourceTests {
    @Test(.timeLimit(.minutes(10)))
    func anHAGroupResumesTheClusterThatCameBackAndCountsEachEventOnce() async throws {
        let bootstrap = try KafkaTestBrokers.bootstrapA()
        let storage = try await S3Server.start()
        defer { storage.stop() }
        let durable = try await DurableBroker.start(storage: storage)
        defer { durable.kill() }
        let folder = try TemporaryFolder("kafka-source-ha-restart")
        defer { folder.remove() }
        let log = try Support.log(folder, seed: 34, conversations: 600, malformed: 0)
        let events = try Support.lineCount(log)
        let topic = KafkaTestBrokers.uniqueTopic("source-ha-restart")
        try await Support.produce(log, topic: topic, partitions: 4, bootstrap: bootstrap)
        try await Support.produce(log, topic: topic, partitions: 2, bootstrap: durable.bootstrap)
        let group = KafkaTestBrokers.uniqueTopic("source-ha-restart-group")
        let clusters = "[{ name: a, bootstrap: \"\(bootstrap)\" }, { name: d, bootstrap: \"\(durable.bootstrap)\" }]"
        // The returning cluster's copies are hours old by then (the idle advance moved W to the wall clock):
        // a dedup_ttl longer than that still knows their ids, so they are duplicates rather than late events.
        let pipeline = try folder.write(
            "live.yaml",
            """
            time: { idle_timeout: 4s, dedup_ttl: 48h }
            sources:
              events: { kind: kafka, topic: \(topic), group: \(group), clusters: \(clusters) }
            sinks:
              files: { kind: folder, path: signals, roll_age: 500ms }
            checkpoint: { interval: 500ms }
            """)
        let replay = try await Support.replay(log, out: folder.file("replay"))
        let run = try Support.startRun(pipeline: pipeline, data: folder.file("data"))
        defer { if run.process.isRunning { run.send(SIGKILL) } }
        let sink = folder.file("data/signals")
        let started = await Support.eventually { Support.committed(sink)["sft_example"]!.count > 0 }
        durable.kill()
        let killed = Date()
        let caughtUp = await Support.caughtUp(sink, with: replay)
        // Down for 20 s at least: the health probe (every 5 s, 2 s timeout) notices it even on a loaded machine.
        let down = 20 - Date().timeIntervalSince(killed)
        if down > 0 { try await Task.sleep(for: .milliseconds(Int(down * 1000))) }
        try await durable.restart()
        // The run commits the offsets it read (after checkpoints): the returning cluster's reach its end.
        let resumed = await Support.eventually(timeout: 180) {
            ((try? Self.committedOffsets(group: group, topic: topic, on: durable.bootstrap)) ?? 0) == events
        }
        let result = await Support.stop(run)
        #expect(started && caughtUp && resumed, "\(result)")
        #expect(result.status == 0, "\(result)")
        // The outage was seen and said. "is back" comes at the health probe's next try after the return, which
        // can fall after the stop on a loaded machine: the returning cluster's offsets reaching its end (above)
        // are what prove its partitions resumed.
        #expect(result.stderr.contains("kafka cluster d (\(durable.bootstrap)) is unreachable"), "\(result.stderr)")
        try Support.expectEquivalent(Support.committed(sink), replay)
        // Every event accepted once; every copy of the other cluster dropped as a duplicate.
        let counters = try Support.object(
            try String(contentsOfFile: folder.file("data/counters.json"), encoding: .utf8))
        #expect(counters["events_accepted"] as? Int == events, "\(counters)")
        #expect(counters["late_events"] as? Int ?? 0 == 0, "\(counters)")
        #expect((counters["duplicates_dropped"] as? Int ?? 0) >= events, "\(counters)")
    }

    /// The sum of `group`'s committed offsets over the topic's two partitions on `bootstrap`.
    static func committedOffsets(group: String, topic: String, on bootstrap: String) throws -> Int {
        let reader = try KafkaConsumer(KafkaTestBrokers.configuration(bootstrap, group: group))
        defer { reader.close() }
        let offsets = try reader.committed(
            [KafkaTopicPartition(topic, 0), KafkaTopicPartition(topic, 1)], timeout: .seconds(5))
        return offsets.reduce(0) { $0 + Int($1 ?? 0) }
    }
}
