import FlywheelEngine
import FlywheelSignals

/// A source of a job under its stable id (the name under `sources:`, or `input-N` in a replay).
public struct JobSource: Sendable {
    public var id: String
    public var source: any Source

    public init(id: String, source: any Source) {
        self.id = id
        self.source = source
    }
}

/// A sink of a job under its stable id, with the record kinds it takes.
public struct JobSink: Sendable {
    public var id: String
    public var sink: any Sink
    /// nil: every kind.
    public var kinds: Set<RecordKind>?
    /// How long released records may wait in the sink before `flush`.
    public var linger: Duration
    /// At the job's end, closed only after every other sink closed without failing (a replay's folder takes its
    /// final names and summary once everything else was delivered; a failure elsewhere leaves it unfinished).
    public var closesLast = false

    public init(id: String, sink: any Sink, kinds: Set<RecordKind>? = nil, linger: Duration = .milliseconds(100)) {
        self.id = id
        self.sink = sink
        self.kinds = kinds
        self.linger = linger
    }
}

/// How often a job takes a checkpoint.
public enum CheckpointInterval: Sendable, Equatable {
    case events(Int64)
    case seconds(Double)

    /// Parses `5s`, `250ms`, `2m` (time) or `100000events` (input lines).
    public static func parse(_ text: String) -> CheckpointInterval? {
        if text.hasSuffix("events"), let count = Int64(text.dropLast("events".count)), count > 0 {
            return .events(count)
        }
        guard let millis = parseDuration(text), millis > 0 else { return nil }
        return .seconds(Double(millis) / 1000)
    }
}

/// Where the job's checkpoints go (a checkpoint folder, in Connectors).
public protocol CheckpointStorage: Sendable {
    /// Writes checkpoint `data` durably (a crash leaves the previous one); returns its size in bytes.
    func write(_ data: CheckpointData) throws -> Int
}

/// How a job reads its sources.
public enum IngestMode: Sendable, Equatable {
    /// Replay: bounded sources interleaved by timestamp (CONTRACT section 2), W = +infinity at the end.
    case replay
    /// Live (CONTRACT section 8): lines in arrival order, idle partitions, the idle advance, linger.
    case live
}

/// What a job runs and how.
public struct JobOptions: Sendable {
    public var config: PipelineConfig
    public var catalog: ModelCatalog?
    /// A catalog that replaces `catalog` while the job runs (its generation 0 must be `catalog`); operators look
    /// at it once per batch.
    public var liveCatalog: LiveModelCatalog?
    public var mode: IngestMode
    public var parallelism: Int
    /// Input lines per batch (the unit of every hand-off between tasks).
    public var batchLines: Int
    /// Batches that may wait for each shard. A replay queues about `queuedLines` lines, at least two batches: the
    /// depth was tuned in batches of 256 lines (16 beat 4 in 7 of 8 paired runs), and with 1,024-line batches 16
    /// held 16,384 events and their storages (15 MiB of peak RSS on 1 M events) for the same replay time as 4
    /// (alternating replays, 2026-12-07, eighth round). A live job keeps 16 batches, as measured for its latency
    /// and throughput (`flywheel bench run`, `bench latency`).
    var shardQueueDepth: Int {
        mode == .replay ? Swift.max(2, Self.queuedLines / batchLines) : ShardedStage.defaultQueueDepth
    }
    static let queuedLines = 4096
    public var checkpointInterval: CheckpointInterval?
    public var clock: JobClock
    /// Checked between batches: the signal number of a stop request, or nil.
    public var stopRequested: @Sendable () -> Int32? = { nil }
    /// Receives progress about twice a second (a live job also while it waits for input).
    public var progress: (@Sendable (JobProgress) -> Void)?
    /// Called once a live job restored its checkpoint (if any) and starts consuming its sources.
    public var onConsuming: (@Sendable () -> Void)?
    /// Called once each checkpoint completed, with the counters (CONTRACT section 5) of everything up
    /// to it: they agree with what the sinks committed.
    public var onCheckpoint: (@Sendable (_ id: Int64, _ counters: SignalCounters) -> Void)?
    /// Called once each checkpoint completed, after `onCheckpoint`, with what a monitor shows of it (on the
    /// checkpoint writer's thread: store and return).
    public var onCheckpointCompleted: (@Sendable (CompletedCheckpoint) -> Void)?
    /// Receives warnings (a source resumed where it could not, a damaged checkpoint skipped).
    public var warn: @Sendable (String) -> Void = { _ in }
    /// Lowers the scheduling priority of the job's threads (readers, ingest, shards, sinks) by this `nice`
    /// increment, and runs the checkpoint writer, which encodes the whole state, at idle priority
    /// (`DedicatedThread.Priority.idle`): `flywheel serve` sets it so that its HTTP ingest and
    /// acknowledgements get the cores first and the pipeline takes what they leave. 0: unchanged.
    public var threadNice: Int32 = 0
    /// The `source` name of each source partition, when a checkpoint folder recorded them (a resumed
    /// replay spelled its inputs differently); nil: the sources' own names.
    public var sourceNames: [String]?

    public init(
        config: PipelineConfig, catalog: ModelCatalog? = nil, mode: IngestMode, parallelism: Int,
        batchLines: Int = 256, checkpointInterval: CheckpointInterval? = nil, clock: JobClock = .continuous
    ) {
        self.config = config
        self.catalog = catalog
        self.mode = mode
        self.parallelism = max(1, parallelism)
        self.batchLines = max(1, batchLines)
        self.checkpointInterval = checkpointInterval
        self.clock = clock
    }
}

/// A progress sample of a running job.
public struct JobProgress: Sendable {
    public var eventsIn: Int64
    public var watermark: EventTime
    public var elapsedSeconds: Double
    /// The ingest's running counters: `events_in` and its verdicts (`signals_out` and
    /// `unresolved_references` are counted where records are released: see `CompletedCheckpoint`).
    public var counters = SignalCounters()
    /// Per source partition (job order), the position after the last line the ingest consumed.
    public var positions: [InputPosition] = []
}
