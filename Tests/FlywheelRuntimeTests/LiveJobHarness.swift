import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import FlywheelTesting
import Synchronization

/// A live job on a manual clock, an in-memory source and a collecting sink.
struct LiveJobHarness {
    /// 2026-11-26T10:05:00Z: the wall clock when the job starts, five minutes after the events.
    static let startMillis: Int64 = 1_795_687_500_000

    let clock = ManualClock()
    let source: MemorySource
    let sink = CollectingSink()
    let checkpoints = MemoryCheckpoints()
    let stop = StopRequest()
    /// The counters each completed checkpoint reported, by id.
    let counters = CheckpointCounters()
    var options: JobOptions

    init(partitions: Int = 1, idleAdvance: Bool = true, checkpointEvery: Double? = nil) {
        source = MemorySource(partitions: partitions)
        var config = PipelineConfig()
        config.time.idleTimeoutMs = 1_000
        config.signals.sessionGapMs = 60_000
        config.time.idleAdvance = idleAdvance
        options = JobOptions(
            config: config, mode: .live, parallelism: 2, batchLines: 64,
            checkpointInterval: checkpointEvery.map { .seconds($0) },
            clock: JobClock(clock, startEpochMillis: Self.startMillis))
        options.stopRequested = { [stop] in stop.signal }
        options.onCheckpoint = { [counters] id, value in counters.record(id, value) }
    }

    /// Starts the job; the task returns its result once it stops.
    func start(resume: CheckpointData? = nil, sink: CollectingSink? = nil) -> Task<JobResult, any Error> {
        let sources = [JobSource(id: "events", source: source)]
        let sinks = [JobSink(id: "collect", sink: sink ?? self.sink)]
        stop.reset()
        return Task { [options, checkpoints] in
            try await Job.run(options, sources: sources, sinks: sinks, storage: checkpoints, resume: resume)
        }
    }

    /// Appends `lines` and a line that is not JSON, and waits until the marker's dead letter is
    /// released: every line before it has been ingested.
    func feed(_ lines: [String], partition: Int = 0, sink: CollectingSink? = nil) async {
        let sink = sink ?? self.sink
        let before = sink.contents.lines(.deadLetter).count
        source.append(lines + ["not json \(before)"], partition: partition)
        await sink.wait { $0.lines(.deadLetter).count > before }
    }

    /// Moves the clock once the ticker sleeps on it, and waits until the ticker sleeps again (its
    /// tick is then in the job's inbox, ahead of anything appended later).
    func advance(by duration: Duration) async {
        await clock.waitForSleepers()
        clock.advance(by: duration)
        await clock.waitForSleepers()
    }

    /// Asks the job to stop and wakes it with a tick; returns its result.
    func stop(_ run: Task<JobResult, any Error>) async throws -> JobResult {
        stop.request()
        await clock.waitForSleepers()
        clock.advance(by: .milliseconds(100))
        return try await run.value
    }

    static func response(_ id: String, at time: String, conversation: String = "c1") -> String {
        """
        {"event_id": "\(id)", "type": "response", "timestamp": "2026-11-26T\(time)Z", "conversation_id": \
        "\(conversation)", "message_id": "m-\(id)", "parent_id": "p-\(id)", "model": "m1", "text": "answer", \
        "latency_ms": 800, "tokens_in": 10, "tokens_out": 100}
        """
    }
}

/// The counters reported with each completed checkpoint, by id.
final class CheckpointCounters: Sendable {
    private let values = Mutex<[Int64: SignalCounters]>([:])
    func record(_ id: Int64, _ counters: SignalCounters) { values.withLock { $0[id] = counters } }
    subscript(id: Int64) -> SignalCounters? { values.withLock { $0[id] } }
}

/// A stop request a test makes.
final class StopRequest: Sendable {
    private let value = Atomic<Int32>(-1)
    var signal: Int32? {
        let current = value.load(ordering: .relaxed)
        return current < 0 ? nil : current
    }
    func request() { value.store(0, ordering: .relaxed) }
    func reset() { value.store(-1, ordering: .relaxed) }
}
