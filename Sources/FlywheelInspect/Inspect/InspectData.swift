import FlywheelEngine
import FlywheelSignals

/// Everything `inspect` and `report` show, read from a source once with the options' filters applied.
public struct InspectData: Sendable {
    /// The source as named by the user.
    public var source: String
    /// The counters of `summary.json`; nil when the source is a single file, a topic or a live folder sink.
    public var counters: SignalCounters?
    /// Why a source that stands for a whole run has no counters (a live folder sink has no `summary.json`);
    /// shown where the counters would be.
    public var countersNote: String?
    /// Records that passed the filters, per kind (only kinds that were read).
    public var recordCounts: [RecordKind: Int] = [:]
    /// The selected `model_quality` records, in file order.
    public var quality: [QualityRecord] = []
    /// The selected records per (model, variant), sorted.
    public var groups: [QualityGroup] = []
    public var alerts: [AlertRecord] = []
    public var pairs: [PairRecord] = []
    /// The selected SFT example lines (decoded only when shown).
    var sftLines: [String] = []
    public var sftCount: Int { sftLines.count }
    /// Dead letters per `reason`, late events per `type`, conversation summaries per `outcome`.
    public var deadLetterReasons: [String: Int] = [:]
    public var lateEventTypes: [String: Int] = [:]
    public var outcomes: [String: Int] = [:]
    /// Problems worth telling that did not stop the read (a truncated last line, ignored filters).
    public var warnings: [String] = []

    init(source: String) { self.source = source }

    /// The time range covered by the selected quality records: first window start, last window end.
    public var range: (start: EventTime, end: EventTime)? {
        guard let first = quality.map(\.windowStart).min(), let last = quality.map(\.windowEnd).max() else {
            return nil
        }
        return (first, last)
    }

    /// Whether no signal record at all was selected (only side outputs, or nothing).
    public var hasNoSignals: Bool {
        RecordKind.signals.allSatisfy { (recordCounts[$0] ?? 0) == 0 }
    }

    /// Up to `limit` items spread evenly over `items` (first and last included), in order.
    static func sample<T>(_ items: [T], limit: Int) -> [T] {
        guard items.count > limit else { return items }
        guard limit > 1 else { return Array(items.prefix(limit)) }
        return (0..<limit).map { items[$0 * (items.count - 1) / (limit - 1)] }
    }

    /// Up to `limit` preference pairs spread over the selection.
    public func samplePairs(limit: Int) -> [PairRecord] { Self.sample(pairs, limit: limit) }

    /// Up to `limit` SFT examples spread over the selection.
    public func sampleSFT(limit: Int) -> [SFTRecord] {
        Self.sample(sftLines, limit: limit).compactMap(SFTRecord.init(jsonLine:))
    }

    /// (key, count) sorted by count descending, then key.
    static func ranked(_ counts: [String: Int]) -> [(key: String, count: Int)] {
        counts.map { (key: $0.key, count: $0.value) }.sorted { ($1.count, $0.key) < ($0.count, $1.key) }
    }
}
