import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation

/// What `flywheel run` runs: a pipeline's `sources:` and `sinks:` (relative paths under `dataDir`),
/// with checkpoints in `dataDir/checkpoints`.
public struct RunOptions: Sendable {
    public var config: PipelineConfig
    public var catalog: ModelCatalog?
    /// A catalog that replaces `catalog` while the job runs (`flywheel serve` reloads); generation 0 is `catalog`.
    public var liveCatalog: LiveModelCatalog?
    /// The embedded-log folder and the job's home: topics, relative paths, checkpoints.
    public var dataDir: String
    public var parallelism: Int
    public var batchLines: Int = ReplayOptions.defaultBatchLines
    /// `JobOptions.threadNice`: `flywheel serve` lowers the pipeline's threads below its HTTP ingest's.
    public var threadNice: Int32 = 0
    public var clock: JobClock = .continuous
    public var stop: StopSignals?
    public var warn: @Sendable (String) -> Void = { _ in }
    /// Receives progress about twice a second, also while the job waits for input (`JobOptions.progress`).
    public var progress: (@Sendable (JobProgress) -> Void)?
    /// Called once each checkpoint completed, after `DIR/counters.json` was written
    /// (`JobOptions.onCheckpointCompleted`).
    public var onCheckpointCompleted: (@Sendable (CompletedCheckpoint) -> Void)?
    /// Called once the job restored its checkpoint (if any) and starts consuming its sources.
    public var onConsuming: (@Sendable () -> Void)?
    /// Builds the sinks this module cannot (`forward` in FlywheelForward, `kafka` in FlywheelKafka): given the
    /// sink's spec and the data folder. The `flywheel` binary sets it.
    public var externalSink: (@Sendable (PipelineConfig.SinkSpec, _ dataDir: String) throws -> any Sink)?
    /// Builds the sources this module cannot (`kafka`, in FlywheelKafka): given the source's spec and
    /// `warn`. The `flywheel` binary sets it where it is built with Kafka.
    public var externalSource:
        (@Sendable (PipelineConfig.SourceSpec, _ warn: @escaping @Sendable (String) -> Void) throws -> any Source)?
    /// Topics this process appends to (`flywheel serve`'s `events`), by name: a live topic source of one reads
    /// the writer's partitions (`TopicSource(writer:)`) instead of opening the files a second time.
    public var writers: [String: TopicLog] = [:]

    public init(config: PipelineConfig, catalog: ModelCatalog? = nil, dataDir: String, parallelism: Int) {
        self.config = config
        self.catalog = catalog
        self.dataDir = dataDir
        self.parallelism = max(1, parallelism)
    }

    /// `DIR/counters.json`: the counters (CONTRACT section 5) as of the last completed checkpoint.
    public var countersPath: String { (dataDir as NSString).appendingPathComponent("counters.json") }

    /// The checkpoint folder of the job.
    public var checkpointDir: String { (dataDir as NSString).appendingPathComponent("checkpoints") }

    /// A path of the pipeline file, taken from `dataDir` unless absolute.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : (dataDir as NSString).appendingPathComponent(path)
    }
}

/// Runs a pipeline live (CONTRACT section 8): its declared sources, its sinks (a folder sink at
/// `DATA/signals` when it declares none), checkpoints every `checkpoint.interval`, resuming from the
/// last completed one.
public enum RunJob {
    /// The sink a pipeline without `sinks:` gets.
    public static let defaultSink = PipelineConfig.SinkSpec(
        name: "signals",
        kind: .folder(
            path: "signals", rollBytes: PipelineConfig.SinkSpec.defaultRollBytes,
            rollAgeMs: PipelineConfig.SinkSpec.defaultRollAgeMs))

    /// Runs until stopped (SIGINT, SIGTERM: a final checkpoint, then it returns) or until every
    /// source ended (only bounded sources: then every record was released).
    ///
    /// A source that asks to be opened again (`Source.reopenRequest`: partitions were added to a kafka topic)
    /// stops the job at a final checkpoint; it is then run again from that checkpoint, with sources and sinks
    /// made anew, as a restart with the same `--data` would, and the result covers every round.
    public static func run(_ options: RunOptions) async throws -> JobResult {
        var first: JobResult?
        var checkpoints = CheckpointStats()
        while true {
            var result = try await runOnce(options)
            checkpoints.count += result.checkpoints.count
            checkpoints.totalSeconds += result.checkpoints.totalSeconds
            result.checkpoints.count = checkpoints.count
            result.checkpoints.totalSeconds = checkpoints.totalSeconds
            if let first {
                result.resumedFrom = first.resumedFrom
                result.resumedEventsIn = first.resumedEventsIn
            } else {
                first = result
            }
            guard let reason = result.reopen, options.stop?.stopSignal == nil else { return result }
            options.warn(
                "\(reason): the job stopped at checkpoint \(result.stoppedAtCheckpoint.map(String.init) ?? "-") and "
                    + "opens its sources again from it")
        }
    }

    private static func runOnce(_ options: RunOptions) async throws -> JobResult {
        guard !options.config.sources.isEmpty else {
            throw ConnectorError(
                .invalidOption,
                "the pipeline declares no sources: add a sources: section, e.g. "
                    + "sources: { events: { kind: topic, topic: events } } (see the README, flywheel run)")
        }
        try AtomicFile.createFolder(options.dataDir, what: "data folder")
        let store = try CheckpointStore(path: options.checkpointDir)
        // Sources and sinks are opened before the folder is tied to this pipeline, so that one that
        // cannot be opened (a missing topic, a sink path that is a file) leaves nothing that would
        // refuse the corrected pipeline.
        let sources = try options.config.sources.map { try source($0, options: options) }
        let specs = options.config.sinks.isEmpty ? [defaultSink] : options.config.sinks
        let sinks = try specs.map { try sink($0, options: options, store: store) }
        let resume = try RunIdentity.check(options, store: store)
        var job = JobOptions(
            config: options.config, catalog: options.catalog, mode: .live, parallelism: options.parallelism,
            batchLines: options.batchLines,
            checkpointInterval: .seconds(Double(options.config.checkpoint.intervalMs) / 1000), clock: options.clock)
        job.stopRequested = { [stop = options.stop] in stop?.stopSignal }
        job.threadNice = options.threadNice
        job.progress = options.progress
        job.onConsuming = options.onConsuming
        job.onCheckpointCompleted = options.onCheckpointCompleted
        job.liveCatalog = options.liveCatalog
        job.warn = options.warn
        let countersFile = options.countersPath
        job.onCheckpoint = { [warn = options.warn] id, counters in
            do {
                try AtomicFile.write(Array(counters.summaryJSON().utf8), to: countersFile)
            } catch {
                warn("checkpoint \(id): \(error)")
            }
        }
        do {
            return try await Job.run(job, sources: sources, sinks: sinks, storage: store, resume: resume)
        } catch {
            throw ReplayJob.connectorError(error)
        }
    }

    static func source(
        _ spec: PipelineConfig.SourceSpec, options: RunOptions
    ) throws(ConnectorError) -> JobSource {
        switch spec.kind {
        case .topic(let name, let start):
            do {
                let source = try TopicSource(
                    dataDir: options.dataDir, topic: name, live: start == .earliest ? .earliest : .latest,
                    writer: options.writers[name])
                return JobSource(id: spec.name, source: source)
            } catch {
                throw ConnectorError(
                    error.code,
                    "source \(spec.name) (line \(spec.line)): \(error.message); create the topic with "
                        + "flywheel topic create \(name) --data \(options.dataDir)", cause: error)
            }
        case .file(let path, let follow):
            let source = FileSource(path: options.resolve(path), follow: follow, stop: options.stop, warn: options.warn)
            return JobSource(id: spec.name, source: source)
        case .kafka:
            guard let make = options.externalSource else {
                throw ConnectorError(
                    .invalidOption,
                    "source \(spec.name) (line \(spec.line)): kafka sources run in a flywheel binary built with "
                        + "librdkafka (install librdkafka-dev and rebuild; see the README, Kafka)")
            }
            do {
                return JobSource(id: spec.name, source: try make(spec, options.warn))
            } catch let error as ConnectorError {
                throw ConnectorError(
                    error.code, "source \(spec.name) (line \(spec.line)): \(error.message)", cause: error)
            } catch {
                throw ConnectorError(.invalidOption, "source \(spec.name) (line \(spec.line)): \(error)")
            }
        }
    }

    static func sink(
        _ spec: PipelineConfig.SinkSpec, options: RunOptions, store: CheckpointStore
    ) throws(ConnectorError) -> JobSink {
        let sink: any Sink
        switch spec.kind {
        case .folder(let path, let rollBytes, let rollAgeMs):
            sink = try RollingFolderSink(
                path: options.resolve(path), rollBytes: rollBytes, rollAgeMs: rollAgeMs, clock: options.clock)
        case .topic(let target):
            let topics: [(name: String, kinds: [RecordKind])] =
                switch target {
                case .single(let name): [(name, spec.orderedKinds)]
                case .perKind(let prefix): spec.orderedKinds.map { (prefix + $0.name, [$0]) }
                }
            sink = try TopicSink(
                dataDir: options.dataDir, topics: topics, create: true, store: store,
                startKey: TopicSink.startKey(sink: spec.name), appendsOnFlush: true)
        case .stdout:
            sink = StdoutSink()
        case .forward, .kafka:
            guard let make = options.externalSink else {
                throw ConnectorError(
                    .invalidOption,
                    "sink \(spec.name) (line \(spec.line)): forward and kafka sinks run in the flywheel binary only")
            }
            do {
                sink = try make(spec, options.dataDir)
            } catch let error as ConnectorError {
                throw ConnectorError(
                    error.code, "sink \(spec.name) (line \(spec.line)): \(error.message)", cause: error)
            } catch {
                throw ConnectorError(.invalidOption, "sink \(spec.name) (line \(spec.line)): \(error)")
            }
        }
        return JobSink(id: spec.name, sink: sink, kinds: spec.kinds, linger: .milliseconds(spec.lingerMs))
    }
}
