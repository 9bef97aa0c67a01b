import FlywheelEngine

/// The kinds of output records: the five signals and the two side outputs (CONTRACT 3-4).
///
/// The order of the cases is the order of the contract's files and of `signals_out`, and the raw value
/// is the kind's byte in checkpoints: add a kind at the end. Everything else about a kind is in its
/// `descriptor`, the one table the pipeline, the output, the sinks and inspect derive from.
public enum RecordKind: Int, CaseIterable, Sendable, Hashable {
    case modelQuality, preferencePair, conversationSummary, sftExample, qualityAlert, deadLetter, lateEvent

    /// The record catalog: what the contract and the pipeline say about each kind.
    static func makeDescriptor(_ kind: RecordKind) -> RecordDescriptor {
        switch kind {
        case .modelQuality:
            RecordDescriptor(
                kind, "model_quality", .signal, release: .windowEnd, producer: .modelQuality,
                sortKey: "window_end, window_start, model, variant", parameters: ["window"])
        case .preferencePair:
            RecordDescriptor(
                kind, "preference_pair", .signal, release: .timestamp, producer: .preferencePairs,
                sortKey: "timestamp, the completing event's event_id, pair_id", parameters: ["join_ttl", "state_ttl"])
        case .conversationSummary:
            RecordDescriptor(
                kind, "conversation_summary", .signal, release: .windowEnd, producer: .conversations,
                sortKey: "session_end, conversation_id", parameters: ["gap"])
        case .sftExample:
            RecordDescriptor(
                kind, "sft_example", .signal, release: .windowEnd, producer: .conversations,
                sortKey: "session_end, conversation_id", parameters: [])
        case .qualityAlert:
            RecordDescriptor(
                kind, "quality_alert", .signal, release: .windowEnd, producer: .modelQuality,
                sortKey: "window_end, window_start, model, variant", parameters: ["min_feedback", "max_down_rate"])
        case .deadLetter:
            RecordDescriptor(
                kind, "dead_letter", .sideOutput, release: .inputSequence, producer: nil,
                sortKey: "the input element it arose after, then timestamp and event_id", parameters: [])
        case .lateEvent:
            RecordDescriptor(
                kind, "late_event", .sideOutput, release: .immediately, producer: nil, sortKey: "arrival",
                parameters: [])
        }
    }

    /// Every kind's descriptor, by raw value (built once).
    private static let catalog = allCases.map(makeDescriptor)

    /// What the contract and the pipeline say about this kind.
    @inline(__always)
    public var descriptor: RecordDescriptor { Self.catalog[rawValue] }

    /// The `signal` value, which is also the output file name without `.jsonl`.
    public var name: String { descriptor.name }

    /// The output file name, `name` + `.jsonl`.
    public var fileName: String { name + ".jsonl" }

    /// Whether the kind is a signal (counted in `signals_out`, enabled under `signals:`), not a side output.
    public var isSignal: Bool { descriptor.role == .signal }

    /// The signal kind for the five signals; nil for side outputs.
    public var signalKind: SignalKind? { SignalKind(self) }

    /// The signals, in file order.
    public static let signals = allCases.filter(\.isSignal)

    /// The kind whose `signal` value (and file name without `.jsonl`) is `name`.
    public init?(signalName name: String) {
        guard let descriptor = Self.catalog.first(where: { $0.name == name }) else { return nil }
        self = descriptor.kind
    }
}

extension OperatorID {
    /// The stateful signal operators, which name their state in checkpoints.
    public static let modelQuality = OperatorID("model_quality")
    public static let conversations = OperatorID("conversations")
    public static let preferencePairs = OperatorID("preference_pairs")
}
