import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// CONTRACT section 8, "Delivery": `flywheel run` killed with SIGKILL at 20 seeded random moments while a
/// producer appends, restarted each time at a random parallelism, ends with committed folder and topic
/// sinks equal to an uninterrupted run's: every record exactly once.
///
/// The source topic has one partition and `idle_advance: none`, so the output does not depend on how
/// reads and the wall clock interleave; a far-future event at the end moves W past everything before it
/// (it closes every window, session and pair deadline), and the dead letter of the line after it says
/// that the run has read all.
extension RunCLITests {
    static let crashPipeline = """
        time: { idle_advance: none }
        sources:
          events: { kind: topic, topic: events, start: earliest }
        sinks:
          files: { kind: folder, path: signals, roll_bytes: 4KiB, roll_age: 300ms }
          out: { kind: topic, topic: out }
        checkpoint: { interval: 300ms }
        """

    /// What a run's sinks committed: the folder sink's records and the topic sink's, by kind.
    struct Committed {
        var folder: [String: [String]]
        var topic: [String: [String]]
    }

    /// Runs the pipeline until it has read the end marker and committed its dead letter, stops it with
    /// SIGTERM and returns what its sinks hold.
    static func runToTheEnd(pipeline: String, data: String, parallelism: Int) async throws -> Committed {
        let run = try startRun(pipeline: pipeline, data: data, parallelism: parallelism)
        let sink = (data as NSString).appendingPathComponent("signals")
        let ended = await waitForEndOfInput(sink)
        let result = await stop(run)
        #expect(ended, "the run did not read the whole input: \(result)")
        #expect(result.status == 0 && !result.signaled, "\(result)")
        let topic = try OutputTopic.recordsByKind(data: data, topic: "out")
        return Committed(
            folder: committed(sink), topic: Dictionary(uniqueKeysWithValues: kinds.map { ($0, topic[$0] ?? []) }))
    }

    /// A replay's records without what only its end (W = +infinity) releases: the end marker's session.
    static func withoutEndSession(_ replay: [String: [String]]) -> [String: [String]] {
        var records = replay
        records["conversation_summary"]!.removeAll { $0.contains("\"conversation_id\": \"end\"") }
        return records
    }

    static func crashLog(_ folder: TemporaryFolder) throws -> [String] {
        try logLines(folder) {
            $0.conversations = 200
            $0.seed = 16
            $0.lateRate = 0.01
            $0.duplicateRate = 0.03
            $0.malformedRate = 0.01
        }
    }

    @Test func killedTwentyTimesWhileAProducerAppendsEndsWithTheUninterruptedSinks() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("run-crash")
        defer { folder.remove() }
        let lines = try Self.crashLog(folder)
        let pipeline = try folder.write("crash.yaml", Self.crashPipeline)

        let straight = folder.file("straight")
        try Self.createTopic("events", partitions: 1, data: straight)
        try await Self.produce(lines + Self.endMarker, data: straight)
        let expected = try await Self.runToTheEnd(pipeline: pipeline, data: straight, parallelism: 2)
        let replay = try Self.replayTopic(data: straight, out: folder.file("replay"))
        #expect(Self.differences(expected.folder, Self.withoutEndSession(replay)).isEmpty)
        #expect(Self.differences(expected.topic, expected.folder).isEmpty)
        for kind in Self.kinds { #expect(Set(expected.folder[kind]!).count == expected.folder[kind]!.count, "\(kind)") }

        let data = folder.file("data")
        try Self.createTopic("events", partitions: 1, data: data)
        let producer = try Producer(topic: "events", data: data)
        let chunk = (lines.count + 19) / 20
        var random = SeededGenerator(seed: 14_2026)
        for index in 0..<20 {
            let parallelism = Int.random(in: 1...3, using: &random)
            let run = try Self.startRun(pipeline: pipeline, data: data, parallelism: parallelism)
            await Self.pause(Double.random(in: 0.02...0.4, using: &random))
            producer.feed(lines[min(lines.count, index * chunk)..<min(lines.count, (index + 1) * chunk)])
            await Self.pause(Double.random(in: 0.02...0.8, using: &random))
            if !run.process.isRunning {
                Issue.record("run \(index) ended before its kill: \(await run.wait())")
            }
            run.send(SIGKILL)
            _ = await Self.exited(run.process, timeout: 60)
            let killed = await run.wait()
            #expect(killed.signaled && killed.status == SIGKILL, "\(killed)")
        }
        producer.feed(Self.endMarker)
        let produced = await producer.finish()
        #expect(produced == 0)
        let got = try await Self.runToTheEnd(pipeline: pipeline, data: data, parallelism: 3)
        #expect(
            Self.differences(got.folder, expected.folder).isEmpty, "\(Self.differences(got.folder, expected.folder))")
        #expect(Self.differences(got.topic, expected.topic).isEmpty, "\(Self.differences(got.topic, expected.topic))")
    }
}
