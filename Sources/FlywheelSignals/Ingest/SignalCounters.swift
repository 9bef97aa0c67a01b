/// The counters of CONTRACT section 5.
///
/// Invariant: `eventsIn == invalidEvents + duplicatesDropped + lateEvents + eventsAccepted`.
public struct SignalCounters: Sendable, Equatable, Codable {
    public var eventsIn: Int64 = 0
    public var invalidEvents: Int64 = 0
    public var duplicatesDropped: Int64 = 0
    public var lateEvents: Int64 = 0
    public var eventsAccepted: Int64 = 0
    public var unresolvedReferences: Int64 = 0
    public var signalsOut: [SignalKind: Int64] = Dictionary(uniqueKeysWithValues: SignalKind.allCases.map { ($0, 0) })

    public init() {}

    public var isConsistent: Bool { eventsIn == invalidEvents + duplicatesDropped + lateEvents + eventsAccepted }

    /// `summary.json`: the counters with `signals_out` keyed by kind, in the contract's order, laid out
    /// as Python's `json.dump(indent=1)` writes it (no final newline).
    public func summaryJSON() -> String {
        var lines = ["{"]
        lines.append(" \"events_in\": \(eventsIn),")
        lines.append(" \"invalid_events\": \(invalidEvents),")
        lines.append(" \"duplicates_dropped\": \(duplicatesDropped),")
        lines.append(" \"late_events\": \(lateEvents),")
        lines.append(" \"events_accepted\": \(eventsAccepted),")
        lines.append(" \"unresolved_references\": \(unresolvedReferences),")
        lines.append(" \"signals_out\": {")
        let kinds = SignalKind.allCases.map { "  \"\($0.rawValue)\": \(signalsOut[$0] ?? 0)" }
        lines.append(kinds.joined(separator: ",\n"))
        lines.append(" }")
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}
