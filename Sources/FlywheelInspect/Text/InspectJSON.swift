import FlywheelSignals
import Foundation

/// The machine-readable read-out of `inspect --format json`: one JSON object, keys sorted, two-space indent.
struct InspectJSON: Encodable {
    struct Range: Encodable {
        var start: String
        var end: String
    }

    struct Group: Encodable {
        var model, variant: String
        var windows: Int
        var windowStart, windowEnd: String
        var responses, feedbackUp, feedbackDown, regenerations, copies, errors, tokensIn, tokensOut: Int64
        var upRate, regenerateRate, errorRate, latencyMsMean: Double?
        var upRateCi95: Interval?
        var latencyMsP50, latencyMsP95, latencyMsP99: MergedQuantile?
    }

    struct Alert: Encodable {
        var windowStart, windowEnd, model, variant: String
        var downRate: Double
        var feedback: Int64
    }

    var source: String
    var range: Range?
    var counters: [String: Int64]?
    /// Why there are no counters, for a source that stands for a whole run (absent otherwise).
    var countersNote: String?
    var records: [String: Int]
    var groups: [Group]
    var alerts: [Alert]
    var deadLettersByReason, lateEventsByType, conversationOutcomes: [String: Int]
    var samplePairs: [PairRecord]
    var sampleSft: [SFTRecord]
    var warnings: [String]

    init(_ data: InspectData, limit: Int) {
        source = data.source
        range = data.range.map { Range(start: Format.time($0.start), end: Format.time($0.end)) }
        counters = data.counters.map(Self.counters)
        countersNote = data.counters == nil ? data.countersNote : nil
        records = Dictionary(uniqueKeysWithValues: data.recordCounts.map { ($0.key.name, $0.value) })
        groups = data.groups.map(Self.group)
        alerts = data.alerts.prefix(limit).map {
            Alert(
                windowStart: Format.time($0.windowStart), windowEnd: Format.time($0.windowEnd), model: $0.model,
                variant: $0.variant, downRate: $0.downRate, feedback: $0.feedback)
        }
        deadLettersByReason = data.deadLetterReasons
        lateEventsByType = data.lateEventTypes
        conversationOutcomes = data.outcomes
        samplePairs = data.samplePairs(limit: limit)
        sampleSft = data.sampleSFT(limit: limit)
        warnings = data.warnings
    }

    static func counters(_ c: SignalCounters) -> [String: Int64] {
        var result = [
            "events_in": c.eventsIn, "invalid_events": c.invalidEvents, "duplicates_dropped": c.duplicatesDropped,
            "late_events": c.lateEvents, "events_accepted": c.eventsAccepted,
            "unresolved_references": c.unresolvedReferences,
        ]
        for kind in SignalKind.allCases { result["signals_out." + kind.rawValue] = c.signalsOut[kind] ?? 0 }
        return result
    }

    static func group(_ g: QualityGroup) -> Group {
        Group(
            model: g.model, variant: g.variant, windows: g.windows, windowStart: Format.time(g.firstStart),
            windowEnd: Format.time(g.lastEnd), responses: g.responses, feedbackUp: g.feedbackUp,
            feedbackDown: g.feedbackDown, regenerations: g.regenerations, copies: g.copies, errors: g.errors,
            tokensIn: g.tokensIn, tokensOut: g.tokensOut, upRate: g.upRate, regenerateRate: g.regenerateRate,
            errorRate: g.errorRate, latencyMsMean: g.latencyMean, upRateCi95: g.upRateInterval,
            latencyMsP50: g.percentiles[50], latencyMsP95: g.percentiles[95], latencyMsP99: g.percentiles[99])
    }

    /// Encodes any read-out value the same way: snake_case keys, sorted, pretty-printed, no escaped slashes.
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Records are clamped to finite values (RecordScanner); should a figure still overflow, say so in place
        // rather than failing the whole read-out.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        guard let data = try? encoder.encode(value) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

extension InspectData {
    /// The read-out as JSON (`--format json`).
    public func json(limit: Int) -> String { InspectJSON.encode(InspectJSON(self, limit: limit)) }

    /// The read-out as CSV (`--format csv`): the table of `kind` (default: quality per model and variant).
    public func csv(kind: RecordKind?, limit: Int) -> String {
        switch kind {
        case .qualityAlert?: return alertsCSV()
        case .deadLetter?: return countsCSV(deadLetterReasons, "reason")
        case .lateEvent?: return countsCSV(lateEventTypes, "type")
        case .conversationSummary?: return countsCSV(outcomes, "outcome")
        case .preferencePair?, .sftExample?: return InspectTables.samples(self, kind: kind, limit: limit).csv()
        case .modelQuality?, nil: return InspectTables.quality(self, raw: true).csv()
        }
    }
}

extension InspectData {
    func alertsCSV() -> String {
        let titles = ["window_start", "window_end", "model", "variant", "down_rate", "feedback"]
        var table = TextTable(titles.map { TextTable.Column($0) })
        for a in alerts {
            let cells = [
                Format.time(a.windowStart), Format.time(a.windowEnd), a.model, a.variant, Format.raw(a.downRate),
                "\(a.feedback)",
            ]
            table.append(cells.map { TextTable.Cell($0) })
        }
        return table.csv()
    }

    func countsCSV(_ counts: [String: Int], _ key: String) -> String {
        var table = TextTable([.init(key), .init("count")])
        for entry in InspectData.ranked(counts) { table.append([.init(entry.key), .init("\(entry.count)")]) }
        return table.csv()
    }
}
