import FlywheelSignals

/// The counters of CONTRACT section 5 in the layout of `DIR/counters.json` and `summary.json`: snake_case keys,
/// `signals_out` keyed by kind. `GET /v1/stats` shows them so; the service reads `counters.json` so at start.
struct CountersBody: Codable, Sendable, Equatable {
    var eventsIn: Int64
    var invalidEvents: Int64
    var duplicatesDropped: Int64
    var lateEvents: Int64
    var eventsAccepted: Int64
    var unresolvedReferences: Int64
    var signalsOut: [String: Int64]

    enum CodingKeys: String, CodingKey {
        case eventsIn = "events_in"
        case invalidEvents = "invalid_events"
        case duplicatesDropped = "duplicates_dropped"
        case lateEvents = "late_events"
        case eventsAccepted = "events_accepted"
        case unresolvedReferences = "unresolved_references"
        case signalsOut = "signals_out"
    }

    init(_ counters: SignalCounters) {
        eventsIn = counters.eventsIn
        invalidEvents = counters.invalidEvents
        duplicatesDropped = counters.duplicatesDropped
        lateEvents = counters.lateEvents
        eventsAccepted = counters.eventsAccepted
        unresolvedReferences = counters.unresolvedReferences
        signalsOut = Dictionary(
            uniqueKeysWithValues: SignalKind.allCases.map { ($0.rawValue, counters.signalsOut[$0] ?? 0) })
    }

    var counters: SignalCounters {
        var counters = SignalCounters()
        counters.eventsIn = eventsIn
        counters.invalidEvents = invalidEvents
        counters.duplicatesDropped = duplicatesDropped
        counters.lateEvents = lateEvents
        counters.eventsAccepted = eventsAccepted
        counters.unresolvedReferences = unresolvedReferences
        for kind in SignalKind.allCases { counters.signalsOut[kind] = signalsOut[kind.rawValue] ?? 0 }
        return counters
    }
}

/// The ingest's running counters (`events_in` and its verdicts): `GET /v1/stats` `running`.
struct RunningCountersBody: Codable, Sendable, Equatable {
    var eventsIn: Int64
    var invalidEvents: Int64
    var duplicatesDropped: Int64
    var lateEvents: Int64
    var eventsAccepted: Int64

    enum CodingKeys: String, CodingKey {
        case eventsIn = "events_in"
        case invalidEvents = "invalid_events"
        case duplicatesDropped = "duplicates_dropped"
        case lateEvents = "late_events"
        case eventsAccepted = "events_accepted"
    }

    init(_ counters: SignalCounters) {
        eventsIn = counters.eventsIn
        invalidEvents = counters.invalidEvents
        duplicatesDropped = counters.duplicatesDropped
        lateEvents = counters.lateEvents
        eventsAccepted = counters.eventsAccepted
    }
}
