/// A record kind that is a signal (`RecordKind.isSignal`): what a pipeline enables under `signals:` and
/// `signals_out` counts. The raw value is the `signal` field and the output file name.
///
/// The signals are those of `RecordKind`'s catalog; the constants below name them for code that handles
/// one signal in particular.
public struct SignalKind: RawRepresentable, CaseIterable, Sendable, Hashable, Codable {
    /// The record kind.
    public let record: RecordKind

    /// Nil for a side output.
    public init?(_ record: RecordKind) {
        guard record.isSignal else { return nil }
        self.record = record
    }

    /// The signal whose name is `rawValue`; nil for a side output or an unknown name.
    public init?(rawValue: String) {
        guard let record = RecordKind(signalName: rawValue) else { return nil }
        self.init(record)
    }

    private init(known record: RecordKind) {
        precondition(record.isSignal, "\(record.name) is not a signal")
        self.record = record
    }

    public var rawValue: String { record.name }

    /// The signals, in file order.
    public static let allCases = RecordKind.signals.map(SignalKind.init(known:))

    /// Tumbling-window quality counts per (model, variant) (contract 3.1).
    public static let modelQuality = SignalKind(known: .modelQuality)
    /// Chosen/rejected response pairs for RLHF and DPO (contract 3.2).
    public static let preferencePair = SignalKind(known: .preferencePair)
    /// One record per conversation session (contract 3.3).
    public static let conversationSummary = SignalKind(known: .conversationSummary)
    /// Supervised fine-tuning examples from positive sessions (contract 3.4).
    public static let sftExample = SignalKind(known: .sftExample)
    /// Alerts on model_quality windows with too many thumbs-down (contract 3.6).
    public static let qualityAlert = SignalKind(known: .qualityAlert)
}
