import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// CONTRACT section 8, "Equivalence": a generated log produced into a topic by `flywheel topic produce`
/// in another process while `flywheel run` consumes it; once the idle advance closed everything, each
/// kind the run committed equals a replay of the topic.
extension RunCLITests {
    /// `idle_timeout` is short for a quick test, but long enough that a loaded machine does not starve a
    /// partition that long mid-stream (which the contract exempts: its later, hours-old events would be late).
    static let livePipeline = """
        time: { idle_timeout: 4s }
        sources:
          events: { kind: topic, topic: events, start: earliest }
        sinks:
          files: { kind: folder, path: signals, roll_age: 500ms }
        checkpoint: { interval: 500ms }
        """

    /// Produces `lines` into topic `events` of `partitions` partitions while a run consumes it, waits until
    /// the run committed as many records of every kind as a replay of the topic gives, stops it, and
    /// returns both. The log's timestamps are hours old, so they must reach the run before any partition
    /// idles: the producer starts first, and the run starts once every partition holds records.
    static func liveAndReplay(
        _ lines: [String], partitions: Int, folder: TemporaryFolder
    ) async throws -> (live: [String: [String]], replay: [String: [String]]) {
        let data = folder.file("data")
        try createTopic("events", partitions: partitions, data: data)
        let pipeline = try folder.write("live.yaml", livePipeline)
        let producer = try Producer(topic: "events", data: data)
        let head = lines.count / 10
        producer.feed(lines[..<head])
        #expect(await eventually(timeout: 30) { (try? highWatermarks(data))?.allSatisfy { $0 > 0 } ?? false })
        let run = try startRun(pipeline: pipeline, data: data)
        for start in stride(from: head, to: lines.count, by: 100) {
            producer.feed(lines[start..<min(lines.count, start + 100)])
            await pause(0.02)
        }
        let produced = await producer.finish()
        #expect(produced == 0)
        let replay = try replayTopic(data: data, out: folder.file("replay"))
        let sink = folder.file("data/signals")
        let closed = await eventually { kinds.allSatisfy { committed(sink)[$0]!.count >= replay[$0]!.count } }
        let result = await stop(run)
        #expect(closed, "the idle advance did not close everything: \(result)")
        #expect(result.status == 0 && !result.signaled, "\(result)")
        return (committed(sink), replay)
    }

    /// Each partition's high watermark of topic `events`, read-only.
    static func highWatermarks(_ data: String) throws -> [Int64] {
        var options = PartitionLogOptions()
        options.readOnly = true
        let topic = try EmbeddedLog(directory: data).open("events", access: options)
        defer { try? topic.close() }
        return topic.partitions.map(\.highWatermark)
    }

    @Test func onePartitionLiveRunEqualsTheReplayRecordForRecordInOrder() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("run-equivalence-1")
        defer { folder.remove() }
        // Duplicates, late events and malformed lines too: with one partition, arrival order is the same.
        let lines = try Self.logLines(folder) {
            $0.conversations = 250
            $0.seed = 14
            $0.start = Self.hoursAgo(12)
            $0.lateRate = 0.01
            $0.duplicateRate = 0.03
            $0.malformedRate = 0.01
        }
        let (live, replay) = try await Self.liveAndReplay(lines, partitions: 1, folder: folder)
        #expect(!replay["late_event"]!.isEmpty && !replay["dead_letter"]!.isEmpty)
        #expect(Self.differences(live, replay).isEmpty, "\(Self.differences(live, replay))")
    }

    /// With four partitions, arrival order across partitions differs between the run (as records come)
    /// and the replay (merged by timestamp). What holds, and is checked here:
    /// - windows, sessions and pairs are released by W, and their file order (CONTRACT section 6) sorts by
    ///   window end, session end and completing event time, which W passes in that order: each of these
    ///   kinds is the same records in the same order;
    /// - `model_quality`'s `latency_ms_mean` is a floating-point sum taken in arrival order (README,
    ///   Decisions 8), so it may differ in its last bits; every other field is equal;
    /// - dead letters arise on arrival (validation) or at deadlines (unresolved references): the same
    ///   records, each partition's validation failures in its offset order, the unresolved ones in order;
    /// - no event is late in either run (the log has no late events and no duplicates, whose lateness
    ///   depends on the interleaving once `dedup_ttl` forgot their first copy).
    @Test func fourPartitionLiveRunEqualsTheReplayOfTheTopic() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("run-equivalence-4")
        defer { folder.remove() }
        let lines = try Self.logLines(folder) {
            $0.conversations = 300
            $0.seed = 15
            $0.start = Self.hoursAgo(12)
            $0.lateRate = 0
            $0.duplicateRate = 0
            $0.malformedRate = 0.01
        }
        let (live, replay) = try await Self.liveAndReplay(lines, partitions: 4, folder: folder)
        #expect(replay["late_event"]!.isEmpty && live["late_event"]!.isEmpty)
        for kind in ["preference_pair", "conversation_summary", "sft_example", "quality_alert"] {
            #expect(live[kind] == replay[kind], "\(Self.differences([kind: live[kind]!], [kind: replay[kind]!]))")
        }
        let quality = zip(live["model_quality"]!, replay["model_quality"]!)
        #expect(live["model_quality"]!.count == replay["model_quality"]!.count)
        for (got, expected) in quality where got != expected {
            #expect(try Self.equalButForTheMean(got, expected), "\(got)\nexpected \(expected)")
        }
        let (liveDead, replayDead) = (live["dead_letter"]!, replay["dead_letter"]!)
        #expect(liveDead.sorted() == replayDead.sorted())
        for source in (0..<4).map({ "\"source\": \"events/\($0)\"" }) {
            let onArrival = { (records: [String]) in
                records.filter { $0.contains(source) && !$0.contains("unresolved_reference") }
            }
            #expect(onArrival(liveDead) == onArrival(replayDead))
        }
        let unresolved = { (records: [String]) in records.filter { $0.contains("unresolved_reference") } }
        #expect(unresolved(liveDead) == unresolved(replayDead))
    }

    /// True when two model_quality records have the same fields, the mean latency within 1e-9 relative.
    static func equalButForTheMean(_ a: String, _ b: String) throws -> Bool {
        func parse(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
        var (x, y) = (try parse(a), try parse(b))
        guard let meanX = x.removeValue(forKey: "latency_ms_mean") as? Double,
            let meanY = y.removeValue(forKey: "latency_ms_mean") as? Double
        else { return false }
        return (x as NSDictionary) == (y as NSDictionary) && abs(meanX - meanY) <= 1e-9 * max(abs(meanX), 1)
    }
}
