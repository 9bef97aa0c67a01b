extension HTMLReport {
    /// A table as HTML: numbers right-aligned, cells escaped; significant cells keep their style as a class.
    func htmlTable(_ table: TextTable, caption: String? = nil) -> String {
        guard !table.rows.isEmpty else { return "<p class=\"empty\">None.</p>" }
        let head = table.columns.map { "<th class=\"\($0.alignRight ? "num" : "")\">\(HTML.escape($0.title))</th>" }
        let rows = table.rows.map { row in
            "<tr>"
                + zip(row, table.columns).map { cell, column in
                    let classes = [column.alignRight ? "num" : nil, cell.style.map { "s-\($0)" }].compactMap { $0 }
                    return "<td class=\"\(classes.joined(separator: " "))\">\(HTML.escape(cell.text))</td>"
                }.joined() + "</tr>"
        }
        let captionHTML = caption.map { "<caption>\(HTML.escape($0))</caption>" } ?? ""
        return "<table>\(captionHTML)<thead><tr>\(head.joined())</tr></thead><tbody>\(rows.joined())</tbody></table>"
    }

    func qualityTable() -> String {
        """
        <section><h2>Quality per model and variant</h2>
        \(htmlTable(InspectTables.quality(data, raw: false)))
        \(htmlTable(InspectTables.latency(data)))
        <p class="note">Rates are pooled over windows; the up-rate interval is a 95 % Wilson interval. Latency \
        p50/p95/p99 are merged from per-window percentiles (the exact pooled value lies within guaranteed \
        bounds, see <code>flywheel inspect --help</code>).</p></section>
        """
    }

    /// The baseline of a model's variants: control, else default, else the first by name.
    static func baseline(_ variants: [String]) -> String? {
        ["control", "default"].first { variants.contains($0) } ?? variants.sorted().first
    }

    func comparisons() -> String {
        var parts = ["<section><h2>A/B read-out</h2>"]
        let models = Set(data.quality.map(\.model)).sorted()
        var any = false
        for model in models {
            let records = data.quality.filter { $0.model == model }
            let variants = Set(records.map(\.variant)).sorted()
            guard variants.count > 1, let base = Self.baseline(variants) else { continue }
            var subset = data
            subset.quality = records
            for other in variants where other != base {
                guard let comparison = try? VariantComparison.make(subset, a: base, b: other) else { continue }
                any = true
                parts.append(
                    "<h3>\(HTML.escape(model)): \(HTML.escape(other)) vs \(HTML.escape(base))</h3>"
                        + htmlTable(comparison.table(raw: false)))
            }
        }
        if !any { parts.append("<p class=\"empty\">No model has two variants in the selection.</p>") }
        parts.append(
            "<p class=\"note\">B − A with its 95 % interval; * marks p &lt; 0.05. Rates: pooled two-proportion "
                + "z-test with Newcombe's interval. Latency: Mann-Whitney rank test on per-window values and a "
                + "seeded bootstrap over windows (raw latencies are not in the records).</p></section>")
        return parts.joined(separator: "\n")
    }

    func sideOutputs() -> String {
        """
        <section class="side"><h2>Dead letters and late events</h2>
        <div class="two">
        <div><h3>Dead letters by reason</h3>\(htmlTable(InspectTables.counts(data.deadLetterReasons, keyTitle: "reason", limit: nil)))</div>
        <div><h3>Late events by type</h3>\(htmlTable(InspectTables.counts(data.lateEventTypes, keyTitle: "type", limit: nil)))</div>
        </div></section>
        """
    }

    static let css = """
        :root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #e3e6ec; --alert: #D55E00; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
               color: var(--ink); background: #f6f7f9; }
        main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 60px; }
        h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 34px 0 10px; }
        h3 { font-size: 15px; margin: 20px 0 8px; color: var(--muted); }
        .sub { color: var(--muted); margin: 0 0 16px; }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 104px; }
        .card .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
        section.model, section { background: #fff; border: 1px solid var(--line); border-radius: 10px;
               padding: 4px 20px 16px; margin-top: 22px; }
        figure { margin: 0; } svg.chart { width: 100%; height: auto; display: block; }
        .legend { display: flex; flex-wrap: wrap; gap: 18px; color: var(--muted); font-size: 13px; }
        .key { display: inline-flex; align-items: center; gap: 6px; }
        .swatch { width: 14px; height: 4px; border-radius: 2px; display: inline-block; }
        .alert-swatch { background: var(--alert); width: 3px; height: 14px; }
        .panel-title { font-size: 13px; font-weight: 600; fill: var(--ink); }
        .tick { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
        .grid { stroke: var(--line); stroke-width: 1; }
        .alert { stroke: var(--alert); stroke-width: 1.5; stroke-opacity: .55; }
        table { border-collapse: collapse; width: 100%; font-size: 13.5px; margin: 8px 0 12px;
                font-variant-numeric: tabular-nums; }
        th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
        th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; }
        .num { text-align: right; } .s-dim { color: var(--muted); } .s-red { color: #b23c00; font-weight: 600; }
        .s-green { color: #00734f; font-weight: 600; }
        .note, .empty { color: var(--muted); font-size: 13px; }
        .two { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
        code { font-size: 12.5px; background: #f0f2f5; padding: 1px 4px; border-radius: 4px; }
        """
}
