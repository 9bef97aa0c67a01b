import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import FlywheelTesting
import Testing

/// The live rules of CONTRACT section 8, driven by a manual clock: no sleeps.
@Suite(.timeLimit(.minutes(5)))
struct LiveJobTests {
    typealias Harness = LiveJobHarness

    @Test func idleAdvanceClosesWindowsAndSessionsWithoutNewTraffic() async throws {
        let job = Harness()
        let run = job.start()
        await job.feed([Harness.response("e1", at: "10:00:00.000"), Harness.response("e2", at: "10:00:30.000")])
        #expect(job.sink.contents.lines(.modelQuality).isEmpty)
        await job.advance(by: .seconds(2))
        await job.sink.wait { !$0.lines(.modelQuality).isEmpty && !$0.lines(.conversationSummary).isEmpty }
        #expect(job.sink.contents.lines(.modelQuality).count == 1)
        #expect(job.sink.contents.lines(.conversationSummary).count == 1)
        _ = try await job.stop(run)
    }

    @Test func withoutIdleAdvanceWindowsWaitForEventTime() async throws {
        let job = Harness(idleAdvance: false)
        let run = job.start()
        await job.feed([Harness.response("e1", at: "10:00:00.000")])
        await job.advance(by: .seconds(600))
        // Not late: W moved with event time only, so the window is still open too.
        await job.feed([Harness.response("e2", at: "10:00:30.000")])
        #expect(job.sink.contents.lines(.lateEvent).isEmpty)
        #expect(job.sink.contents.lines(.modelQuality).isEmpty)
        await job.feed([Harness.response("e3", at: "10:01:10.000")])
        await job.sink.wait { !$0.lines(.modelQuality).isEmpty }
        #expect(job.sink.contents.lines(.modelQuality)[0].contains("\"responses\": 2"))
        _ = try await job.stop(run)
    }

    @Test func anEventBehindTheIdleAdvanceIsLate() async throws {
        let job = Harness()
        let run = job.start()
        await job.feed([Harness.response("e1", at: "10:00:00.000")])
        await job.advance(by: .seconds(2))
        await job.feed([Harness.response("e2", at: "10:00:30.000")])
        #expect(job.sink.contents.lines(.lateEvent).count == 1)
        _ = try await job.stop(run)
    }

    @Test func aSinkFlushesOnceItsLingerHasPassed() async throws {
        let job = Harness()
        let run = job.start()
        await job.feed([Harness.response("e1", at: "10:00:00.000")])
        let flushes = job.sink.contents.flushes
        await job.advance(by: .milliseconds(50))
        await job.advance(by: .milliseconds(60))
        await job.sink.wait { $0.flushes > flushes }
        _ = try await job.stop(run)
    }

    @Test func aPartitionThatIdlesStopsHoldingTheWatermarkBack() async throws {
        let job = Harness(partitions: 2, idleAdvance: false)
        let run = job.start()
        await job.feed([Harness.response("e1", at: "10:00:00.000")], partition: 0)
        // Partition 1 has seen nothing: W stays at -infinity until it idles.
        await job.feed([Harness.response("e2", at: "10:01:10.000")], partition: 0)
        #expect(job.sink.contents.lines(.modelQuality).isEmpty)
        await job.advance(by: .milliseconds(1_100))
        await job.feed([Harness.response("e3", at: "10:01:11.000")], partition: 0)
        await job.sink.wait { !$0.lines(.modelQuality).isEmpty }
        _ = try await job.stop(run)
    }

    @Test func checkpointsFollowTheClockAndAStopTakesAFinalOne() async throws {
        let job = Harness(idleAdvance: false, checkpointEvery: 10)
        let run = job.start()
        await job.feed([Harness.response("e1", at: "10:00:00.000")])
        await job.advance(by: .seconds(10))
        await job.sink.wait { $0.commits == [1] }
        // Counters agree with what the sink committed: one response in, one dead letter (the marker) out.
        let first = try #require(job.counters[1])
        #expect(first.eventsIn == 2 && first.eventsAccepted == 1 && first.invalidEvents == 1)
        #expect(job.sink.contents.lines(.deadLetter).count == 1)
        let result = try await job.stop(run)
        #expect(result.stoppedAtCheckpoint == 2)
        #expect(job.sink.contents.commits == [1, 2])
        guard case .stopped = job.sink.contents.ended else {
            Issue.record("the sink was not closed as stopped")
            return
        }
        // The open window stays in the checkpoint and fires after the restart.
        let resumed = CollectingSink()
        let again = job.start(resume: job.checkpoints.latest, sink: resumed)
        await job.feed([Harness.response("e2", at: "10:01:10.000")], sink: resumed)
        await resumed.wait { !$0.lines(.modelQuality).isEmpty }
        #expect(resumed.contents.lines(.modelQuality)[0].contains("\"responses\": 1"))
        #expect(resumed.contents.restoredFrom == [2])
        _ = try await job.stop(again)
    }

    @Test func aRunWhoseSourcesEndReleasesEverythingAndARestartHasNothingLeft() async throws {
        var job = Harness(checkpointEvery: 10)
        let bounded = MemorySource(partitions: 1, bounded: true)
        bounded.append([Harness.response("e1", at: "10:00:00.000"), "not json"])
        let first = try await Job.run(
            job.options, sources: [JobSource(id: "events", source: bounded)],
            sinks: [JobSink(id: "collect", sink: job.sink)], storage: job.checkpoints)
        #expect(first.stoppedAtCheckpoint == nil)
        #expect(job.sink.contents.lines(.modelQuality).count == 1)
        #expect(job.sink.contents.lines(.deadLetter).count == 1)
        guard case .finished = job.sink.contents.ended else {
            Issue.record("the sink was not closed as finished")
            return
        }
        let again = CollectingSink()
        job.options.checkpointInterval = .seconds(10)
        let second = try await Job.run(
            job.options, sources: [JobSource(id: "events", source: bounded)],
            sinks: [JobSink(id: "collect", sink: again)], storage: job.checkpoints, resume: job.checkpoints.latest)
        #expect(second.eventsThisRun == 0)
        #expect(again.contents.records.isEmpty)
    }

    @Test func idleAdvanceResolvesAPairDeadline() async throws {
        var job = Harness()
        job.options.config.signals.joinTTLMs = 60_000
        let run = job.start()
        let choice = """
            {"event_id": "q4", "type": "choice", "timestamp": "2026-11-26T10:00:05.000Z", "conversation_id": "c1", \
            "parent_id": "m-e1", "rejected_id": "never"}
            """
        await job.feed([Harness.response("e1", at: "10:00:00.000"), choice])
        let before = job.sink.contents.lines(.deadLetter).count
        // W follows the wall clock (10:05) past the choice's deadline (10:01:05): its pair misses a text.
        await job.advance(by: .seconds(2))
        await job.sink.wait { $0.lines(.deadLetter).count > before }
        #expect(job.sink.contents.lines(.deadLetter).last?.contains("unresolved_reference") == true)
        _ = try await job.stop(run)
    }
}
