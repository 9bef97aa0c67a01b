import FlywheelEngine

/// The parameters of a pipeline file (contract section 7), with the contract's defaults.
///
/// Build one with `PipelineConfig.load(path:)` or `parse(yaml:path:)`; `effectiveYAML()` renders it back.
/// Values are validated when parsed: every duration is non-negative, `idle_timeout`, windows and TTLs are
/// positive, and `dedupTTLMs > allowedLatenessMs`.
public struct PipelineConfig: Sendable, Equatable {
    /// Event-time parameters (contract section 2).
    public struct Time: Sendable, Equatable {
        /// Watermark delay: `W = max event time - maxOutOfOrdernessMs - 1`.
        public var maxOutOfOrdernessMs: Int64 = 5_000
        /// An event with `timestamp + allowedLatenessMs <= W` is late.
        public var allowedLatenessMs: Int64 = 0
        /// Processing time after which an idle partition stops holding the watermark back.
        public var idleTimeoutMs: Int64 = 30_000
        /// How long an event id is remembered for de-duplication, in event time.
        public var dedupTTLMs: Int64 = 3_600_000
        /// Longest accepted input line in bytes; longer lines are dead letters (`too_large`).
        public var maxEventBytes: Int = 1_048_576
        /// Live runs: when every source partition is idle, W advances with the wall clock (CONTRACT section 8).
        /// YAML `idle_advance: wall_clock` (the default) or `none`. Replay ignores it.
        public var idleAdvance: Bool = true

        /// The contract's defaults.
        public init() {}
    }

    /// Which signals run, and their parameters.
    public struct Signals: Sendable, Equatable {
        /// The kinds to compute; every kind still gets its (possibly empty) output file.
        public var enabled: Set<SignalKind> = Set(SignalKind.allCases)

        /// Whether a conversation signal runs (they count PII in prompts and responses).
        public var needsPIICounts: Bool { runs(.conversations) }

        /// Whether an enabled kind is produced by the operator `id` (which then has to run).
        public func runs(_ id: OperatorID) -> Bool { enabled.contains { $0.record.descriptor.producer == id } }
        /// Tumbling window size of `model_quality` (also the windows `quality_alert` reads).
        public var modelQualityWindowMs: Int64 = 60_000
        /// How long an incomplete preference pair waits, in event time.
        public var joinTTLMs: Int64 = 1_800_000
        /// How long a quiet conversation's texts, ratings and claimed pairs are kept for pairing, in
        /// event time after its last event (Flywheel's own key: the contract sets no limit; this
        /// bounds memory and checkpoint size). Never shorter than `joinTTLMs`.
        public var pairStateTTLMs: Int64 = 7_200_000
        /// Session gap of `conversation_summary` (and so of `sft_example`).
        public var sessionGapMs: Int64 = 1_800_000
        /// Least `feedback_up + feedback_down` of a window that can raise a `quality_alert`.
        public var alertMinFeedback: Int = 20
        /// Least `down / (up + down)` that raises a `quality_alert`, in (0, 1].
        public var alertMaxDownRate: Double = 0.5

        /// All kinds enabled, with the contract's defaults.
        public init() {}
    }

    /// Optional label of the pipeline (top-level `name`).
    public var name: String?
    /// Event-time parameters.
    public var time = Time()
    /// Which signals run, and their parameters.
    public var signals = Signals()
    /// Absolute or working-directory-relative path of the model catalog, already resolved against the pipeline
    /// file's folder; `nil` when the pipeline names none.
    public var modelCatalogPath: String?
    /// Settings of `flywheel serve` (`service:`); other commands ignore them.
    public var service = ServiceSettings()

    /// Training-ready files written after a replay (`exports:`).
    public var exports: [ExportSpec] = []

    /// Where a live run reads events (`sources:`), in file order; empty when the pipeline declares none.
    /// Replay ignores it.
    public var sources: [SourceSpec] = []
    /// Where a live run writes records (`sinks:`), in file order; empty when the pipeline declares none.
    /// Replay ignores it.
    public var sinks: [SinkSpec] = []
    /// How often a live run checkpoints (`checkpoint:`). Replay ignores it.
    public var checkpoint = Checkpointing(intervalMs: 10_000)

    /// The built-in pipeline: every parameter at its contract default, all signals, no catalog.
    public static let `default` = PipelineConfig()

    /// Every parameter at its default.
    public init() {}

    /// Reads and parses the pipeline file at `path`.
    ///
    /// A missing or unreadable file is a `.fileUnreadable` error naming the path; parse errors are as for
    /// `parse(yaml:path:)`. `enrich.model_catalog` is resolved against the folder of `path`.
    public static func load(path: String) throws(PipelineError) -> PipelineConfig {
        let text = try YAMLNodeReader.readText(path: path, code: .fileUnreadable, what: "pipeline file")
        return try parse(yaml: text, path: path)
    }
}
