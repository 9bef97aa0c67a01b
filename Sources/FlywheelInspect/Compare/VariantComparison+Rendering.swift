extension VariantComparison {
    /// The read-out for a terminal: a header naming both arms and one row per metric.
    public func text(_ terminal: Terminal) -> String {
        let modelText = models.count == 1 ? "model \(models[0])" : "models \(models.joined(separator: ", ")) pooled"
        var lines = [
            terminal.paint("A/B: \(variantB) vs \(variantA)", .bold) + "  (\(modelText))",
            "  A = \(variantA): \(windowsA) windows, \(responsesA) responses;  "
                + "B = \(variantB): \(windowsB) windows, \(responsesB) responses",
            "",
        ]
        lines += table(raw: false).render(terminal)
        lines.append("")
        lines += terminal.wrap(
            "B - A with its 95 % CI; * = significant at 95 % (p < 0.05). Rates: pooled two-proportion z-test, "
                + "Newcombe CI. Latency: Mann-Whitney on per-window values, window-bootstrap CI (seeded).")
        if models.count > 1 {
            lines.append(
                terminal.paint("  note: several models are pooled; add --model M to compare within one.", .yellow))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row per metric; `raw` for CSV (full precision, no units).
    public func table(raw: Bool) -> TextTable {
        let titles =
            raw
            ? ["metric", "a", "b", "difference", "ci_low", "ci_high", "p_value", "significant", "test"]
            : ["METRIC", "A", "B", "B - A", "95% CI", "P", ""]
        var table = TextTable(titles.enumerated().map { .init($1, right: !raw && $0 > 0 && $0 < 6) })
        for row in rows {
            if raw {
                let cells = [
                    row.metric, Format.raw(row.valueA), Format.raw(row.valueB), Format.raw(row.difference),
                    Format.raw(row.ci95?.low), Format.raw(row.ci95?.high), Format.raw(row.pValue),
                    row.significant ? "true" : "false", row.test,
                ]
                table.append(cells.map { TextTable.Cell($0) })
                continue
            }
            let style: Terminal.Style? =
                row.significant ? ((row.difference ?? 0) > 0) == goodWhenUp(row) ? .green : .red : nil
            table.append([
                .init(row.metric), .init(value(row, row.valueA)), .init(value(row, row.valueB)),
                .init(difference(row, row.difference), style: style), .init(interval(row), style: .dim),
                .init(Format.pValue(row.pValue)), .init(row.significant ? "*" : "", style: style),
            ])
        }
        return table
    }

    /// Whether a higher value is better for the metric (only the up-rate).
    func goodWhenUp(_ row: Row) -> Bool { row.metric == "up_rate" }

    func value(_ row: Row, _ value: Double?) -> String { row.isRate ? Format.percent(value) : Format.ms(value) }

    func difference(_ row: Row, _ value: Double?) -> String {
        guard let value else { return "-" }
        return row.isRate ? Format.points(value) : Format.signedMs(value)
    }

    func interval(_ row: Row) -> String {
        guard let ci = row.ci95 else { return "-" }
        return row.isRate
            ? "\(Format.points(ci.low)) .. \(Format.points(ci.high))"
            : "\(Format.signedMs(ci.low)) .. \(Format.signedMs(ci.high))"
    }

    /// The read-out as CSV.
    public func csv() -> String { table(raw: true).csv() }

    /// The read-out as JSON.
    public func json() -> String { InspectJSON.encode(ComparisonJSON(self)) }
}

struct ComparisonJSON: Encodable {
    struct Row: Encodable {
        var metric: String
        var a, b, difference, pValue: Double?
        var ci95: Interval?
        var significant: Bool
        var test: String
    }

    var variantA, variantB: String
    var models: [String]
    var windowsA, windowsB: Int
    var responsesA, responsesB: Int64
    var metrics: [Row]

    init(_ c: VariantComparison) {
        variantA = c.variantA
        variantB = c.variantB
        models = c.models
        windowsA = c.windowsA
        windowsB = c.windowsB
        responsesA = c.responsesA
        responsesB = c.responsesB
        metrics = c.rows.map {
            Row(
                metric: $0.metric, a: $0.valueA, b: $0.valueB, difference: $0.difference, pValue: $0.pValue,
                ci95: $0.ci95, significant: $0.significant, test: $0.test)
        }
    }
}
