import FlywheelEngine
import Foundation

/// `flywheel report`: one self-contained HTML file (inline CSS and SVG, no scripts, no network).
///
/// Per model one chart (stacked panels: up-rate, regenerate rate, latency p50/p95/p99, responses) with a
/// line per variant and alert markers; then the quality table, the A/B read-out of each model's variants
/// against its baseline, and dead letters and late events by reason.
public struct HTMLReport {
    /// Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]

    public let data: InspectData
    public let title: String

    public init(data: InspectData, title: String = "Flywheel report") {
        self.data = data
        self.title = title
    }

    /// Writes the report to `path` (replacing a file there) through a temporary file next to it, renamed into
    /// place: a failed write leaves no half-written report. Fails, saying what to do, when `path` is a folder
    /// or its folder does not exist.
    public func write(to path: String) throws(InspectError) {
        try ReportFile.write(Array(render().utf8), to: path)
    }

    /// The whole page.
    public func render() -> String {
        var body = [header()]
        if let series = ReportSeries(data.quality) {
            for entry in series.models { body.append(modelSection(entry.model, entry.variants, series)) }
        } else {
            body.append("<p class=\"empty\">No model_quality records in the selection: nothing to chart.</p>")
        }
        body.append(qualityTable())
        body.append(comparisons())
        body.append(sideOutputs())
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <main>
            \(body.joined(separator: "\n"))
            </main>
            </body>
            </html>

            """
    }

    func header() -> String {
        var facts: [(String, String)] = []
        if let c = data.counters {
            facts = [
                ("events in", "\(c.eventsIn)"), ("accepted", "\(c.eventsAccepted)"), ("invalid", "\(c.invalidEvents)"),
                ("duplicates", "\(c.duplicatesDropped)"), ("late", "\(c.lateEvents)"),
                ("unresolved refs", "\(c.unresolvedReferences)"),
            ]
        }
        facts += [
            ("quality windows", "\(data.quality.count)"), ("alerts", "\(data.alerts.count)"),
            ("preference pairs", "\(data.recordCounts[.preferencePair] ?? 0)"),
            ("SFT examples", "\(data.sftCount)"),
        ]
        let cards = facts.map {
            "<div class=\"card\"><div class=\"value\">\($0.1)</div><div class=\"label\">\($0.0)</div></div>"
        }
        var range = ""
        if let r = data.range { range = " · \(Format.time(r.start)) to \(Format.time(r.end)) (UTC)" }
        var note = ""
        if data.counters == nil, let text = data.countersNote {
            note = "\n<p class=\"sub\">No counters: \(HTML.escape(text)).</p>"
        }
        return """
            <header><h1>\(HTML.escape(title))</h1>
            <p class="sub">\(HTML.escape(data.source))\(HTML.escape(range))</p>\(note)
            <div class="cards">\(cards.joined())</div></header>
            """
    }

    func modelSection(
        _ model: String, _ variants: [(variant: String, points: [ReportSeries.Point])], _ series: ReportSeries
    ) -> String {
        let chart = ReportChart(
            model: model, variants: variants, series: series, alerts: data.alerts.filter { $0.model == model })
        let legend = variants.enumerated().map { index, entry in
            "<span class=\"key\"><span class=\"swatch\" style=\"background:\(Self.palette[index % Self.palette.count])\"></span>"
                + "\(HTML.escape(entry.variant))</span>"
        }
        let styles =
            "<span class=\"key\">latency: p50 solid · p95 dashed · p99 dotted</span>"
            + "<span class=\"key\"><span class=\"swatch alert-swatch\"></span>quality alert</span>"
        return """
            <section class="model" data-model="\(HTML.escape(model))">
            <h2>\(HTML.escape(model))</h2>
            <div class="legend">\(legend.joined())\(styles)</div>
            <figure>\(chart.svg())</figure>
            </section>
            """
    }
}
