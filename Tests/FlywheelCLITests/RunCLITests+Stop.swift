import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// CONTRACT section 8, "Stop": SIGTERM and SIGINT take a final checkpoint and exit 0, and the next start
/// resumes from it with nothing lost or repeated; a second signal exits at once, and the next start still
/// resumes correctly.
extension RunCLITests {
    /// All records the folder sink at `path` committed.
    static func committedCount(_ path: String) -> Int { committed(path).values.reduce(0) { $0 + $1.count } }

    /// Starts a run, appends `lines` to its topic while it runs, and waits until its folder sink committed
    /// more than it held before.
    static func startAndWaitForProgress(
        pipeline: String, data: String, appending lines: [String]
    ) async throws -> FlywheelCLI.Running {
        let sink = (data as NSString).appendingPathComponent("signals")
        let before = committedCount(sink)
        let run = try startRun(pipeline: pipeline, data: data)
        try await produce(lines, data: data)
        #expect(await eventually(timeout: 30) { committedCount(sink) > before }, "the run committed nothing new")
        return run
    }

    @Test func sigtermAndSigintStopAtACheckpointAndTheNextStartResumesWithNothingLostOrRepeated() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("run-stop")
        defer { folder.remove() }
        let lines = try Self.logLines(folder) {
            $0.conversations = 160
            $0.seed = 17
        }
        let pipeline = try folder.write("stop.yaml", Self.crashPipeline)
        let data = folder.file("data")
        let sink = folder.file("data/signals")
        try Self.createTopic("events", partitions: 1, data: data)
        let quarter = (lines.count + 3) / 4
        let parts = (0..<4).map { Array(lines[min(lines.count, $0 * quarter)..<min(lines.count, ($0 + 1) * quarter)]) }
        try await Self.produce(parts[0], data: data)
        for (index, signal) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].enumerated() {
            let run = try await Self.startAndWaitForProgress(
                pipeline: pipeline, data: data, appending: parts[index + 1])
            let result = await Self.stop(run, with: signal.0)
            #expect(result.status == 0 && !result.signaled, "\(result)")
            #expect(result.stdout.contains("stopped by \(signal.1) at checkpoint "), "\(result.stdout)")
            #expect(Self.inProgress(sink).isEmpty, "a graceful stop left open files: \(Self.inProgress(sink))")
        }

        let run = try await Self.startAndWaitForProgress(pipeline: pipeline, data: data, appending: parts[3])
        run.send(SIGTERM)
        usleep(5_000)
        run.send(SIGTERM)
        _ = await Self.exited(run.process, timeout: 60)
        let twice = await run.wait(timeout: 5)
        // Whether the second signal came before the final checkpoint ended is up to the machine: either
        // the run stopped gracefully or it exited at once; the next start resumes in both cases.
        #expect(
            (twice.status == 0 && !twice.signaled)
                || (twice.status == 143 && twice.stderr.contains("SIGTERM again: exiting at once")), "\(twice)")

        try await Self.produce(Self.endMarker, data: data)
        let got = try await Self.runToTheEnd(pipeline: pipeline, data: data, parallelism: 1)
        let replay = Self.withoutEndSession(try Self.replayTopic(data: data, out: folder.file("replay")))
        #expect(Self.differences(got.folder, replay).isEmpty, "\(Self.differences(got.folder, replay))")
        #expect(Self.differences(got.topic, replay).isEmpty, "\(Self.differences(got.topic, replay))")
    }
}
