import FlywheelRuntime
import FlywheelTesting
import Testing

/// `Source.checkpointCompleted`: a source hears of each checkpoint once it is durable, with its own state.
struct SourceCheckpointCompletedTests {
    typealias Harness = LiveJobHarness

    @Test func aSourceHearsOfEachDurableCheckpointWithItsState() async throws {
        let job = Harness(idleAdvance: false, checkpointEvery: 10)
        let run = job.start()
        #expect(job.source.completedCheckpoints.isEmpty)
        await job.feed([Harness.response("e1", at: "10:00:00.000")])
        await job.advance(by: .seconds(10))
        await job.sink.wait { $0.commits == [1] }
        // One response and the marker taken from partition 0.
        #expect(job.checkpoints.latest?.id == 1)
        await job.feed([Harness.response("e2", at: "10:00:01.000"), Harness.response("e3", at: "10:00:02.000")])
        _ = try await job.stop(run)
        #expect(job.source.completedCheckpoints == [[2], [5]])
    }

    @Test func withoutStorageNoCheckpointIsDurableAndTheSourceHearsNothing() async throws {
        let job = Harness(idleAdvance: false, checkpointEvery: 10)
        let run = Task { [options = job.options, source = job.source, sink = job.sink] in
            try await Job.run(
                options, sources: [JobSource(id: "events", source: source)],
                sinks: [JobSink(id: "collect", sink: sink)], storage: nil)
        }
        await job.feed([Harness.response("e1", at: "10:00:00.000")])
        await job.advance(by: .seconds(10))
        // The sinks were told to commit checkpoint 1: it completed, but nothing made it durable.
        await job.sink.wait { $0.commits == [1] }
        _ = try await job.stop(run)
        #expect(job.source.completedCheckpoints.isEmpty)
    }
}
