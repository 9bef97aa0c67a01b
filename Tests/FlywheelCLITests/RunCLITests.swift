import FlywheelTesting
import Foundation
import Testing

/// `flywheel run` as a user runs it: the binary, its exit codes and messages, signals, kills, and what its
/// sinks hold afterwards (CONTRACT section 8). Serialized: each test runs live processes on a small machine.
@Suite(.serialized)
struct RunCLITests {
    static func pipeline(source: String, sinks: String = "") -> String {
        """
        time: { idle_advance: none }
        sources:
          events: \(source)
        \(sinks)
        checkpoint: { interval: 200ms }
        """
    }

    /// Runs `pipeline` until it took a checkpoint, then stops it with SIGTERM.
    static func runUntilCheckpoint(pipeline: String, data: String) async throws -> FlywheelCLI.Result {
        let run = try startRun(pipeline: pipeline, data: data)
        let checkpoints = (data as NSString).appendingPathComponent("checkpoints")
        _ = await eventually(timeout: 30) {
            !run.process.isRunning
                || ((try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []).contains {
                    $0.hasPrefix("checkpoint-")
                }
        }
        return await stop(run)
    }

    @Test func aPipelineWithoutSourcesIsRefusedBeforeAnythingIsCreated() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("run-no-sources")
        defer { folder.remove() }
        let pipeline = try folder.write("p.yaml", "time: { idle_timeout: 2s }\n")
        let result = try await FlywheelCLI.run(["run", "--pipeline", pipeline, "--data", folder.file("data")])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("error: the pipeline declares no sources: add a sources: section"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("data")))
    }

    /// A missing topic says how to create it; a corrected pipeline then runs in the same --data folder
    /// (the failed start left no job of its own behind).
    @Test func aMissingSourceTopicSaysHowToCreateItAndTheCorrectedPipelineRuns() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("run-no-topic")
        defer { folder.remove() }
        let data = folder.file("data")
        try Self.createTopic("events", partitions: 2, data: data)
        let typo = try folder.write("typo.yaml", Self.pipeline(source: "{ kind: topic, topic: evnts }"))
        let result = try await FlywheelCLI.run(["run", "--pipeline", typo, "--data", data])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("source events (line 3): "), "\(result.stderr)")
        #expect(result.stderr.contains("create the topic with flywheel topic create evnts --data \(data)"))
        let fixed = try folder.write("fixed.yaml", Self.pipeline(source: "{ kind: topic, topic: events }"))
        let run = try await Self.runUntilCheckpoint(pipeline: fixed, data: data)
        #expect(run.status == 0 && !run.signaled, "\(run)")
    }

    @Test func checkpointsOfAnotherPipelineAreRefusedNamingWhatDiffers() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("run-other-job")
        defer { folder.remove() }
        let data = folder.file("data")
        try Self.createTopic("events", partitions: 1, data: data)
        let first = try folder.write("a.yaml", Self.pipeline(source: "{ kind: topic, topic: events }"))
        let run = try await Self.runUntilCheckpoint(pipeline: first, data: data)
        #expect(run.status == 0 && !run.signaled, "\(run)")
        let other = try folder.write(
            "b.yaml",
            Self.pipeline(
                source: "{ kind: topic, topic: events }", sinks: "sinks: { out: { kind: folder, path: elsewhere } }"))
        let result = try await FlywheelCLI.run(["run", "--pipeline", other, "--data", data])
        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains(
                "the checkpoints in \(data)/checkpoints belong to another pipeline (its sinks differ"),
            "\(result.stderr)")
        #expect(
            result.stderr.contains(
                "run this pipeline with another --data folder, or delete \(data)/checkpoints to start it over"))
    }

    /// A folder sink whose path is a file is refused with a message naming it; the pipeline corrected to
    /// another path then runs in the same --data folder.
    @Test func aFolderSinkPathThatIsAFileIsRefusedNamingIt() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("run-sink-file")
        defer { folder.remove() }
        let data = folder.file("data")
        try Self.createTopic("events", partitions: 1, data: data)
        _ = try folder.write("data/taken", "a file\n")
        let bad = try folder.write(
            "bad.yaml",
            Self.pipeline(
                source: "{ kind: topic, topic: events }", sinks: "sinks: { out: { kind: folder, path: taken } }"))
        let result = try await FlywheelCLI.run(["run", "--pipeline", bad, "--data", data])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("\(data)/taken"), "\(result.stderr)")
        #expect(result.stderr.contains("not a folder") || result.stderr.contains("is a file"), "\(result.stderr)")
        let fixed = try folder.write(
            "fixed.yaml",
            Self.pipeline(
                source: "{ kind: topic, topic: events }", sinks: "sinks: { out: { kind: folder, path: out } }"))
        let run = try await Self.runUntilCheckpoint(pipeline: fixed, data: data)
        #expect(run.status == 0 && !run.signaled, "\(run)")
    }
}
