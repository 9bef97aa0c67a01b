import FlywheelEngine
import FlywheelSignals

/// What to replay and how.
public struct ReplayOptions: Sendable {
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

    public init(
        inputs: [String], outputPath: String, config: PipelineConfig = .default, catalog: ModelCatalog? = nil,
        parallelism: Int = 2, batchLines: Int = 1024, force: Bool = false
    ) {
        self.inputs = inputs
        self.outputPath = outputPath
        self.config = config
        self.catalog = catalog
        self.parallelism = max(1, parallelism)
        self.batchLines = max(1, batchLines)
        self.force = force
    }
}

/// A progress sample of a running replay.
public struct ReplayProgress: Sendable {
    public var eventsIn: Int64
    public var watermark: EventTime
    public var elapsedSeconds: Double
}

/// The outcome of a finished replay.
public struct ReplayResult: Sendable {
    public var counters: SignalCounters
    public var wallSeconds: Double
    public var eventsPerSecond: Double { wallSeconds > 0 ? Double(counters.eventsIn) / wallSeconds : 0 }
}
