import FlywheelSignals

/// The tables of `inspect`, built once from ``InspectData`` for the terminal (`raw: false`: rounded,
/// with units) and for CSV (`raw: true`: full precision, no units).
public enum InspectTables {
    /// One row per (model, variant): volume, feedback, rates with the up-rate's 95 % Wilson interval.
    public static func quality(_ data: InspectData, raw: Bool) -> TextTable {
        if raw { return qualityCSV(data) }
        var table = TextTable([
            .init("MODEL"), .init("VARIANT"), .init("RESP", right: true), .init("RATED", right: true),
            .init("UP-RATE", right: true), .init("95% CI", right: true), .init("REGEN", right: true),
            .init("ERRORS", right: true),
        ])
        for group in data.groups {
            table.append([
                .init(group.model), .init(group.variant), .init(Format.count(group.responses)),
                .init(Format.count(group.rated)), .init(Format.percent(group.upRate)),
                .init(Format.percentInterval(group.upRateInterval), style: .dim),
                .init(Format.percent(group.regenerateRate)),
                .init(Format.percent(group.errorRate), style: (group.errorRate ?? 0) >= 0.05 ? .red : nil),
            ])
        }
        return table
    }

    /// One row per (model, variant): latency mean, merged percentiles and the p95's guaranteed bounds (ms),
    /// and tokens in + out.
    public static func latency(_ data: InspectData) -> TextTable {
        var table = TextTable([
            .init("MODEL"), .init("VARIANT"), .init("MEAN", right: true), .init("P50", right: true),
            .init("P95", right: true), .init("P99", right: true), .init("P95 BOUNDS", right: true),
            .init("TOKENS", right: true),
        ])
        for group in data.groups {
            let cells = LatencyMerge.percents.map { TextTable.Cell(Format.ms(group.percentiles[$0]?.estimate)) }
            let bounds = group.percentiles[95].map { "\(Format.ms($0.low))-\(Format.ms($0.high))" } ?? "-"
            table.append(
                [.init(group.model), .init(group.variant), .init(Format.ms(group.latencyMean))] + cells
                    + [.init(bounds, style: .dim), .init(Format.count(group.tokens))])
        }
        return table
    }

    static func qualityCSV(_ data: InspectData) -> TextTable {
        var columns = [
            "model", "variant", "windows", "window_start", "window_end", "responses", "feedback_up", "feedback_down",
            "up_rate", "up_rate_low", "up_rate_high", "regenerations", "regenerate_rate", "copies", "errors",
            "error_rate", "latency_ms_mean",
        ]
        for percent in LatencyMerge.percents {
            columns += ["latency_ms_p\(percent)", "latency_ms_p\(percent)_low", "latency_ms_p\(percent)_high"]
        }
        var table = TextTable((columns + ["tokens_in", "tokens_out"]).map { TextTable.Column($0) })
        for g in data.groups {
            var cells = [
                g.model, g.variant, "\(g.windows)", Format.time(g.firstStart), Format.time(g.lastEnd), "\(g.responses)",
                "\(g.feedbackUp)", "\(g.feedbackDown)", Format.raw(g.upRate), Format.raw(g.upRateInterval?.low),
                Format.raw(g.upRateInterval?.high), "\(g.regenerations)", Format.raw(g.regenerateRate), "\(g.copies)",
                "\(g.errors)", Format.raw(g.errorRate), Format.raw(g.latencyMean),
            ]
            for percent in LatencyMerge.percents {
                let merged = g.percentiles[percent]
                cells += [Format.raw(merged?.estimate), Format.raw(merged?.low), Format.raw(merged?.high)]
            }
            table.append((cells + ["\(g.tokensIn)", "\(g.tokensOut)"]).map { TextTable.Cell($0) })
        }
        return table
    }

    /// The selected alerts (up to `limit`, most severe first when cut).
    public static func alerts(_ data: InspectData, limit: Int?) -> TextTable {
        var table = TextTable([
            .init("WINDOW END"), .init("MODEL"), .init("VARIANT"), .init("DOWN", right: true),
            .init("RATED", right: true),
        ])
        var alerts = data.alerts
        if let limit, alerts.count > limit {
            alerts = Array(alerts.sorted { $0.downRate > $1.downRate }.prefix(limit))
            alerts.sort { ($0.windowEnd, $0.model, $0.variant) < ($1.windowEnd, $1.model, $1.variant) }
        }
        for alert in alerts {
            table.append([
                .init(Format.time(alert.windowEnd)), .init(alert.model), .init(alert.variant),
                .init(Format.percent(alert.downRate), style: .red), .init("\(alert.feedback)"),
            ])
        }
        return table
    }

    /// Counts per key (dead letters per reason, late events per type), largest first.
    public static func counts(_ counts: [String: Int], keyTitle: String, limit: Int?) -> TextTable {
        var table = TextTable([.init(keyTitle), .init("COUNT", right: true)])
        let ranked = InspectData.ranked(counts)
        for entry in ranked.prefix(limit ?? ranked.count) { table.append([.init(entry.key), .init("\(entry.count)")]) }
        return table
    }
}

extension InspectTables {
    /// Sample preference pairs or SFT examples, full texts (for CSV).
    static func samples(_ data: InspectData, kind: RecordKind?, limit: Int) -> TextTable {
        if kind == .sftExample {
            var table = TextTable([.init("conversation_id"), .init("role"), .init("content")])
            for example in data.sampleSFT(limit: limit) {
                for message in example.messages {
                    table.append([.init(example.conversationId), .init(message.role), .init(message.content)])
                }
            }
            return table
        }
        let titles = [
            "pair_id", "source", "chosen_model", "rejected_model", "timestamp", "prompt", "chosen", "rejected",
        ]
        var table = TextTable(titles.map { TextTable.Column($0) })
        for p in data.samplePairs(limit: limit) {
            let cells = [
                p.pairId, p.source, p.chosenModel, p.rejectedModel, p.timestamp.rfc3339, p.prompt, p.chosen, p.rejected,
            ]
            table.append(cells.map { TextTable.Cell($0) })
        }
        return table
    }
}
