import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation

/// What to replay and how.
public struct ReplayOptions: Sendable {
    /// Input lines per batch: small enough that a batch's events are still in the caches when a
    /// shard processes them, large enough that hand-overs between tasks stay rare. 1,024 since one shard
    /// became the default on two cores (2026-12-07, alternating replays, medians of 3, 256 / 512 / 1,024 /
    /// 2,048 lines: 1 M events 1.29 / 1.22 / 1.20 / 1.22 s with glibc, 1.14 / 1.07 / 1.05 / 1.03 s with
    /// jemalloc; 130,000 conversations 1.70 / 1.66 / 1.61 / 1.65 s and 1.50 / 1.45 / 1.42 / 1.41 s; peak RSS
    /// 66 / 71 / 82 / 98 MB and 116 / 123 / 132 / 148 MB with glibc). At two shards 256 was the fastest
    /// (1.12-1.22 s, against 1.23-1.26 s at 1,024).
    public static let defaultBatchLines = 1024

    /// The default shard count for `cores` processors: one per core but one, which the reading,
    /// decoding and ingest task keeps busy, and at least one. On two cores one shard, since the shards got
    /// cheaper: 2026-12-07, 1 M events, alternating replays, one shard against two: 1.25 s against 1.37 s
    /// wall and 7.6 % less CPU (glibc, medians of 6), 1.30 s against 1.47 s (jemalloc, medians of 5); the
    /// 130,000-conversation and 36-byte-id logs take the same wall time either way, with up to 4 % less
    /// CPU. Two shards on two cores split each event counted by model_quality between them (its
    /// conversation's shard and its model's) and leave three busy threads on two cores. (When this was first
    /// chosen, two shards measured faster: 1.25-1.43 s against 1.42-1.52 s.)
    public static func defaultParallelism(cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        max(1, cores - 1)
    }

    /// Input files, one source partition each; "-" is standard input; gzip is detected.
    public var inputs: [String]
    public var outputPath: String
    public var config: PipelineConfig
    public var catalog: ModelCatalog?
    public var parallelism: Int
    /// Input lines per batch (the unit of every hand-off between tasks).
    public var batchLines: Int
    /// Overwrite the replay files of a non-empty output folder.
    public var force: Bool
    /// Folder for checkpoints; when set, the replay resumes from its latest checkpoint and writes
    /// output exactly once.
    public var checkpointDir: String?
    public var checkpointInterval: CheckpointInterval
    /// The embedded-log folder for `topic:NAME` inputs and `outputTopic`.
    public var dataDir: String?
    /// A topic that also receives every output record (keyed by kind), exactly once with checkpoints.
    public var outputTopic: String?
    /// Set by a signal handler to stop the replay between batches (see `StopSignals`).
    public var stop: StopSignals?
    /// Receives warnings (e.g. a damaged checkpoint skipped).
    public var warn: @Sendable (String) -> Void = { _ in }
    /// Opens the inputs FlywheelConnectors cannot (`kafka://HOST:PORT/TOPIC`, read to its end): a bounded
    /// source, or nil when the input is not one of them (then it is a file). The `flywheel` binary sets it.
    public var externalInput: (@Sendable (String) throws -> (any Source)?)?
    /// Makes the pipeline's `kind: kafka` sinks (FlywheelKafka), which get their kinds' records next to the
    /// output folder and deliver everything before the replay ends. The `flywheel` binary sets it; without it
    /// a pipeline with a kafka sink is refused. The pipeline's other sinks are live outputs a replay leaves out.
    public var externalSink: (@Sendable (PipelineConfig.SinkSpec) throws -> any Sink)?

    /// Whether `input` names a source outside the files and the embedded log (`kafka://...`).
    public static func isExternal(_ input: String) -> Bool { input.hasPrefix("kafka://") }

    public init(
        inputs: [String], outputPath: String, config: PipelineConfig = .default, catalog: ModelCatalog? = nil,
        parallelism: Int = 2, batchLines: Int = ReplayOptions.defaultBatchLines, force: Bool = false
    ) {
        self.inputs = inputs
        self.outputPath = outputPath
        self.config = config
        self.catalog = catalog
        self.parallelism = max(1, parallelism)
        self.batchLines = max(1, batchLines)
        self.force = force
        self.checkpointDir = nil
        self.checkpointInterval = .seconds(5)
        self.dataDir = nil
        self.outputTopic = nil
    }
}

/// A progress sample of a running replay.
public typealias ReplayProgress = JobProgress

/// The outcome of a finished replay.
public struct ReplayResult: Sendable {
    public var counters: SignalCounters
    public var wallSeconds: Double
    /// The checkpoint the replay resumed from, if any.
    public var resumedFrom: Int64?
    /// Input events the resumed checkpoint had counted already (0 without a resume); `counters`
    /// cover the whole replay, this run and the runs before.
    public var resumedEventsIn: Int64 = 0
    /// Input events read by this run.
    public var eventsThisRun: Int64 { counters.eventsIn - resumedEventsIn }
    /// True when the checkpoint folder said the replay had finished already (nothing was run).
    public var alreadyFinished = false
    public var checkpoints = CheckpointStats()
    /// The training-ready files written after the replay (pipeline `exports:`).
    public var exports: [ExportSummary] = []
    /// The rate of this run: events it read per second of its wall time.
    public var eventsPerSecond: Double { wallSeconds > 0 ? Double(eventsThisRun) / wallSeconds : 0 }
}
