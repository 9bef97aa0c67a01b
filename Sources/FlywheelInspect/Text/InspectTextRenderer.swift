import FlywheelSignals

/// Renders ``InspectData`` for a person at a terminal: counters, records per kind, the model tables,
/// alerts, dead letters and late events, and sample pairs and SFT examples cut to the terminal width.
public struct InspectTextRenderer {
    public var terminal: Terminal
    public var options: InspectOptions

    public init(terminal: Terminal, options: InspectOptions) {
        self.terminal = terminal
        self.options = options
    }

    /// The whole read-out, ending in a newline.
    public func render(_ data: InspectData) -> String {
        var out: [String] = [headline(data)]
        if let counters = data.counters {
            out += section("Counters (summary.json)", counterLines(counters))
        } else if let note = data.countersNote {
            out += section("Counters", terminal.wrap("none: " + note))
        }
        out += section("Records per kind", kindTable(data))
        if data.hasNoSignals { out += ["", noSignalsMessage(data)] }
        if options.wants(.modelQuality) && !data.groups.isEmpty {
            out += section("Quality per model and variant", InspectTables.quality(data, raw: false))
            out += section("Latency (ms) and tokens", InspectTables.latency(data))
            out += terminal.wrap(
                "Latency p50/p95/p99 are estimates merged from per-window percentiles; the exact pooled value "
                    + "lies within guaranteed bounds (P95 BOUNDS here, all in --format json/csv; see --help). "
                    + "TOKENS: in + out.")
        }
        if options.wants(.qualityAlert) && !data.alerts.isEmpty {
            let limit = options.listLimit
            let title = "Alerts (\(data.alerts.count)\(data.alerts.count > limit ? ", \(limit) worst" : ""))"
            out += section(title, InspectTables.alerts(data, limit: limit))
        }
        if !data.deadLetterReasons.isEmpty {
            out += section(
                "Dead letters by reason",
                InspectTables.counts(data.deadLetterReasons, keyTitle: "REASON", limit: options.listLimit))
        }
        if !data.lateEventTypes.isEmpty {
            out += section(
                "Late events by type",
                InspectTables.counts(data.lateEventTypes, keyTitle: "TYPE", limit: options.listLimit)
            )
        }
        out += pairLines(data) + sftLines(data)
        out += data.warnings.map { terminal.paint("warning: \($0)", .yellow) }
        return out.joined(separator: "\n") + "\n"
    }

    func headline(_ data: InspectData) -> String {
        let source = terminal.paint(data.source, .bold)
        guard let range = data.range else { return source }
        let rangeText = "\(Format.time(range.start)) .. \(Format.time(range.end))"
        let fits = DisplayWidth.of(data.source) + 2 + DisplayWidth.of(rangeText) <= terminal.width
        return source + (fits ? "  " : "\n") + rangeText
    }

    func section(_ title: String, _ table: TextTable) -> [String] {
        section(title, table.rows.isEmpty ? ["  (none)"] : table.render(terminal))
    }

    func section(_ title: String, _ lines: [String]) -> [String] { ["", terminal.paint(title, .bold)] + lines }

    func counterLines(_ c: SignalCounters) -> [String] {
        [
            "  events in \(c.eventsIn): accepted \(c.eventsAccepted), duplicates \(c.duplicatesDropped), "
                + "invalid \(c.invalidEvents), late \(c.lateEvents)",
            "  unresolved references \(c.unresolvedReferences)",
        ]
    }

    func kindTable(_ data: InspectData) -> TextTable {
        var table = TextTable([.init("KIND"), .init("RECORDS", right: true)])
        for kind in RecordKind.allCases {
            if let count = data.recordCounts[kind] { table.append([.init(kind.name), .init("\(count)")]) }
        }
        return table
    }

    func noSignalsMessage(_ data: InspectData) -> String {
        let dead = data.recordCounts[.deadLetter] ?? 0
        let late = data.recordCounts[.lateEvent] ?? 0
        if dead + late == 0 {
            return terminal.paint("  No records selected: the source is empty or the filters match nothing.", .yellow)
        }
        return terminal.paint(
            "  No signals: the input gave only \(dead) dead letters and \(late) late events (reasons below).", .yellow)
    }

    func pairLines(_ data: InspectData) -> [String] {
        guard options.wants(.preferencePair), !data.pairs.isEmpty, options.pairSampleLimit > 0 else { return [] }
        let samples = data.samplePairs(limit: options.pairSampleLimit)
        var lines: [String] = []
        for pair in samples {
            lines.append(
                "  "
                    + terminal.paint(
                        "\(pair.pairId) [\(pair.source)] \(pair.chosenModel) > \(pair.rejectedModel)", .bold))
            lines.append(clip("    prompt    ", pair.prompt))
            lines.append(clip("    chosen    ", pair.chosen, style: .green))
            lines.append(clip("    rejected  ", pair.rejected, style: .red))
        }
        return section("Sample preference pairs (\(samples.count) of \(data.pairs.count))", lines)
    }

    func sftLines(_ data: InspectData) -> [String] {
        guard options.wants(.sftExample), data.sftCount > 0, options.sftSampleLimit > 0 else { return [] }
        let samples = data.sampleSFT(limit: options.sftSampleLimit)
        var lines: [String] = []
        for example in samples {
            lines.append(
                "  "
                    + terminal.paint(
                        "conversation \(example.conversationId), \(example.messages.count) messages", .bold))
            for message in example.messages.prefix(4) {
                lines.append(clip("    " + DisplayWidth.pad(message.role, to: 10, right: false), message.content))
            }
        }
        return section("Sample SFT examples (\(samples.count) of \(data.sftCount))", lines)
    }

    /// A label and a text cut so the line fits the terminal.
    func clip(_ label: String, _ text: String, style: Terminal.Style? = nil) -> String {
        let room = terminal.width - DisplayWidth.of(label)
        return label + terminal.paint(DisplayWidth.cut(text, to: room), style)
    }
}
