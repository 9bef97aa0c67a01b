import FlywheelEngine
import FlywheelSignals

/// Selects signal records of one kind by time, model and variant, with the meaning `flywheel inspect` gives
/// `--since`, `--until`, `--model` and `--variant` (the service's read API uses it, so both select alike).
///
/// Time: `model_quality` and `quality_alert` windows must lie inside the range (`window_start >= since`,
/// `window_end <= until`); `preference_pair` and `late_event` by `timestamp`, `conversation_summary` by
/// `session_start` (`since <= t < until`). `dead_letter` and `sft_example` have no time field. Model:
/// `model_quality` and `quality_alert` by `model`, `preference_pair` by `chosen_model` or `rejected_model`.
/// Variant: `model_quality` and `quality_alert`.
public struct SignalFilter: Sendable {
    public var since: EventTime?
    public var until: EventTime?
    public var models: Set<String> = []
    public var variants: Set<String> = []

    public init(since: EventTime? = nil, until: EventTime? = nil, models: Set<String> = [], variants: Set<String> = [])
    {
        self.since = since
        self.until = until
        self.models = models
        self.variants = variants
    }

    /// Whether no record is left out.
    public var selectsAll: Bool { since == nil && until == nil && models.isEmpty && variants.isEmpty }

    /// The field `since` and `until` apply to for `kind`, nil when the kind has no time field.
    public static func timeField(of kind: RecordKind) -> String? {
        switch kind {
        case .modelQuality, .qualityAlert: "window_start/window_end"
        case .preferencePair, .lateEvent: "timestamp"
        case .conversationSummary: "session_start"
        case .deadLetter, .sftExample: nil
        }
    }

    /// The field a model filter applies to for `kind`, nil when the kind names no model.
    public static func modelField(of kind: RecordKind) -> String? {
        switch kind {
        case .modelQuality, .qualityAlert: "model"
        case .preferencePair: "chosen_model/rejected_model"
        default: nil
        }
    }

    /// Whether `kind` records have a `variant`.
    public static func hasVariant(_ kind: RecordKind) -> Bool { kind == .modelQuality || kind == .qualityAlert }

    /// A matcher for records of `kind`.
    public func matcher(for kind: RecordKind) -> Matcher { Matcher(filter: self, kind: kind) }

    /// Tests lines of one kind; it keeps a scanner, so make one per reader and reuse it.
    public struct Matcher {
        let kind: RecordKind
        let selectsAll: Bool
        private var options: InspectOptions
        private var scanner = RecordScanner()

        init(filter: SignalFilter, kind: RecordKind) {
            self.kind = kind
            selectsAll = filter.selectsAll
            options = InspectOptions(sourcePath: "")
            options.since = filter.since
            options.until = filter.until
            options.models = filter.models
            options.variants = filter.variants
        }

        /// Whether `line` (one record of the kind) is selected; a line that is not a record of the kind is not.
        public mutating func matches(_ line: UnsafeRawBufferPointer) -> Bool {
            if selectsAll { return true }
            guard scanner.scan(line) == kind else { return false }
            switch kind {
            case .modelQuality, .qualityAlert:
                guard let start = scanner.time(.windowStart), let end = scanner.time(.windowEnd),
                    let model = scanner.string(.model), let variant = scanner.string(.variant)
                else { return false }
                return options.keeps(model: model, variant: variant)
                    && options.keeps(windowStart: start, windowEnd: end)
            case .preferencePair:
                guard let time = scanner.time(.timestamp) else { return false }
                let models = [scanner.string(.chosenModel), scanner.string(.rejectedModel)].compactMap { $0 }
                return (options.models.isEmpty || models.contains(where: options.models.contains))
                    && options.keeps(time: time)
            case .conversationSummary:
                return scanner.time(.sessionStart).map(options.keeps(time:)) ?? true
            case .lateEvent:
                return scanner.time(.timestamp).map(options.keeps(time:)) ?? true
            case .deadLetter, .sftExample:
                return true
            }
        }
    }
}
