import FlywheelConnectors
import FlywheelEngine
import FlywheelSignals

/// What `flywheel inspect` and `flywheel report` select from a replay output folder or a signal file.
public struct InspectOptions: Sendable {
    /// A replay output folder, one signal JSONL file, or `topic:NAME`: a topic of the data folder
    /// ``dataDirectory``.
    public var sourcePath: String
    /// The embedded log's data folder (`--data`); set exactly when ``sourcePath`` names a topic.
    public var dataDirectory: String?
    /// Record kinds to show; empty means all.
    public var kinds: Set<RecordKind> = []
    /// Keep only these models (quality records, alerts, pairs by chosen or rejected model); empty means all.
    public var models: Set<String> = []
    /// Keep only these variants (quality records, alerts); empty means all.
    public var variants: Set<String> = []
    /// Keep windows starting at or after this time, and point records (pairs, sessions, late events) at or after.
    public var since: EventTime?
    /// Keep windows ending at or before this time, and point records before it.
    public var until: EventTime?
    /// `--limit`: at most this many rows in every list (alerts, reasons, types) and samples in every sample
    /// section (preference pairs, SFT examples); nil for the defaults (``defaultListLimit`` rows,
    /// ``defaultPairSamples`` pairs, ``defaultSFTSamples`` SFT examples). The model table is never cut.
    public var limit: Int?

    public static let defaultListLimit = 5
    public static let defaultPairSamples = 3
    public static let defaultSFTSamples = 2

    /// Rows per list (and samples per section in `--format json|csv`).
    public var listLimit: Int { limit ?? Self.defaultListLimit }
    /// Sample preference pairs in the table read-out.
    public var pairSampleLimit: Int { limit ?? Self.defaultPairSamples }
    /// Sample SFT examples in the table read-out.
    public var sftSampleLimit: Int { limit ?? Self.defaultSFTSamples }

    public init(sourcePath: String) { self.sourcePath = sourcePath }

    /// The topic NAME when ``sourcePath`` is `topic:NAME`, else nil.
    public var topicName: String? { ReplaySource.topicName(of: sourcePath) }

    /// Parses a `--kind` value.
    public static func kind(_ text: String) throws(InspectError) -> RecordKind {
        guard let kind = RecordKind(signalName: text) else {
            let names = RecordKind.allCases.map(\.name).joined(separator: ", ")
            throw InspectError(.invalidOption, "--kind \(text): unknown record kind; expected one of \(names)")
        }
        return kind
    }

    /// Parses a `--limit` value: a whole number, 0 or more.
    public static func limit(_ text: String) throws(InspectError) -> Int {
        guard let value = Int(text), value >= 0 else {
            throw InspectError(
                .invalidOption,
                "--limit \(text): must be a positive number (or 0 to hide lists and samples), e.g. --limit 10")
        }
        return value
    }

    /// Parses a `--since` or `--until` value (RFC 3339 with a zone).
    public static func time(_ text: String, flag: String) throws(InspectError) -> EventTime {
        guard let time = EventTime.parseRFC3339(text) else {
            throw InspectError(
                .invalidOption,
                "\(flag) \(text): expected an RFC 3339 time with a zone, e.g. 2026-11-18T11:00:00Z")
        }
        return time
    }

    /// Checks the combination of options.
    public func validate() throws(InspectError) {
        if let since, let until, until <= since {
            throw InspectError(.invalidOption, "--until must be after --since")
        }
        if let limit, limit < 0 {
            throw InspectError(
                .invalidOption, "--limit \(limit): must be a positive number (or 0 to hide lists and samples)")
        }
        try validateTopic()
    }

    /// A topic source needs the data folder, and the data folder a topic source.
    private func validateTopic() throws(InspectError) {
        switch (topicName, dataDirectory) {
        case (let name?, nil):
            throw InspectError(
                .invalidOption,
                "\(sourcePath) names a topic: pass its data folder with --data DIR, "
                    + "e.g. topic:\(name.isEmpty ? "signals" : name) --data data/")
        case (nil, let folder?):
            throw InspectError(
                .invalidOption,
                "--data \(folder) applies only to a topic source: name it topic:NAME (SRC is \(sourcePath))")
        case (let name?, _?) where name.isEmpty:
            throw InspectError(.invalidOption, "topic: needs a topic name, e.g. topic:signals")
        default:
            return
        }
    }

    func wants(_ kind: RecordKind) -> Bool { kinds.isEmpty || kinds.contains(kind) }

    func keeps(model: String, variant: String) -> Bool {
        (models.isEmpty || models.contains(model)) && (variants.isEmpty || variants.contains(variant))
    }

    func keeps(windowStart: EventTime, windowEnd: EventTime) -> Bool {
        (since.map { windowStart >= $0 } ?? true) && (until.map { windowEnd <= $0 } ?? true)
    }

    func keeps(time: EventTime) -> Bool {
        (since.map { time >= $0 } ?? true) && (until.map { time < $0 } ?? true)
    }

    /// Whether any filter that point records without a model (sessions, SFT examples) cannot honour is set.
    var filtersByModel: Bool { !models.isEmpty || !variants.isEmpty }
}
