import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import FlywheelTesting
import Synchronization
import Testing

/// The hooks a monitor reads a live job through: progress (also while the job waits for input) and completed
/// checkpoints.
@Suite(.timeLimit(.minutes(2)))
struct JobObserverTests {
    @Test func aCompletedCheckpointCarriesItsCountersWatermarkSizesAndPositions() async throws {
        var job = LiveJobHarness(idleAdvance: false, checkpointEvery: 10)
        let observed = Observed()
        job.options.onCheckpointCompleted = { observed.checkpoint($0) }
        job.options.progress = { observed.progress($0) }
        let run = job.start()
        await job.feed([
            LiveJobHarness.response("e1", at: "10:00:00.000"), LiveJobHarness.response("e2", at: "10:00:01.000"),
        ])
        await job.advance(by: .seconds(10))
        try await observed.wait { !$0.checkpoints.isEmpty }
        let first = try #require(observed.value.checkpoints.first)
        #expect(first.id == 1)
        #expect(first.counters == job.counters[1])
        #expect(first.counters.eventsIn == 3 && first.counters.eventsAccepted == 2)
        #expect(first.positions.map(\.offset) == [3])
        #expect(first.watermark > .min)
        #expect(first.bytes > 0 && first.stateBytes > 0 && first.seconds >= 0)
        // No line arrives after the feed: the ticker still reports progress, with every line consumed.
        await job.advance(by: .seconds(1))
        try await observed.wait { $0.progress.last?.positions.map(\.offset) == [3] }
        let progress = try #require(observed.value.progress.last)
        #expect(progress.counters.eventsIn == 3 && progress.counters.invalidEvents == 1)
        #expect(progress.eventsIn == 3)
        _ = try await job.stop(run)
        // The final checkpoint of the stop is reported too.
        #expect(observed.value.checkpoints.map(\.id) == [1, 2])
    }
}

/// What the hooks were called with.
final class Observed: Sendable {
    struct Calls {
        var checkpoints: [CompletedCheckpoint] = []
        var progress: [JobProgress] = []
    }

    private let calls = Mutex(Calls())

    var value: Calls { calls.withLock { $0 } }

    func checkpoint(_ checkpoint: CompletedCheckpoint) { calls.withLock { $0.checkpoints.append(checkpoint) } }

    func progress(_ progress: JobProgress) { calls.withLock { $0.progress.append(progress) } }

    /// Polls until `condition` holds (the suite's time limit ends a wait that never does).
    func wait(until condition: (Calls) -> Bool) async throws {
        while !condition(value) { try await Task.sleep(for: .milliseconds(10)) }
    }
}
