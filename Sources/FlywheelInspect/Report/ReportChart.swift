import FlywheelEngine

/// The chart of one model: four panels sharing the time axis, one colour per variant.
struct ReportChart {
    var model: String
    var variants: [(variant: String, points: [ReportSeries.Point])]
    var series: ReportSeries
    var alerts: [AlertRecord]

    func svg() -> String {
        let percent: (Double) -> String = { Format.percent($0).replacingOccurrences(of: ".0%", with: "%") }
        let panels = [
            SVGChart.Panel(title: "Up-rate (up / rated)", unit: percent, lines: lines { $0.upRate }, fixedMax: 1),
            SVGChart.Panel(title: "Regenerate rate", unit: percent, lines: lines { $0.regenerateRate }, fixedMax: nil),
            SVGChart.Panel(
                title: "Latency (ms): p50, p95, p99", unit: { Format.ms($0) }, lines: latencyLines(), fixedMax: nil),
            SVGChart.Panel(
                title: "Responses per bucket", unit: { Format.count($0) }, lines: lines { Double($0.responses) },
                fixedMax: nil),
        ]
        let markers = alerts.map { alert in
            let middle = EventTime(millis: (alert.windowStart.millis + alert.windowEnd.millis) / 2)
            return (
                x: series.position(middle),
                label:
                    "alert \(alert.variant) \(Format.time(alert.windowEnd)): down \(Format.percent(alert.downRate)) of \(alert.feedback)"
            )
        }
        return SVGChart(
            panels: panels, markers: markers, timeTicks: timeTicks(), title: "Quality of \(model) over time"
        ).render()
    }

    func color(_ index: Int) -> String { HTMLReport.palette[index % HTMLReport.palette.count] }

    /// Points at each bucket's middle; a missing bucket between two present ones breaks the line.
    func points(_ points: [ReportSeries.Point], _ value: (QualityGroup) -> Double?) -> [(x: Double, y: Double?)] {
        var result: [(x: Double, y: Double?)] = []
        var previous: EventTime?
        for point in points {
            if let previous, point.start.millis - previous.millis > series.bucketMillis {
                result.append((x: series.position(previous), y: nil))
            }
            let middle = EventTime(millis: point.start.millis + series.bucketMillis / 2)
            result.append((x: min(1, series.position(middle)), y: value(point.group)))
            previous = point.start
        }
        return result
    }

    func lines(_ value: @escaping (QualityGroup) -> Double?) -> [SVGChart.Line] {
        variants.enumerated().map { index, entry in
            SVGChart.Line(label: entry.variant, color: color(index), dash: nil, points: points(entry.points, value))
        }
    }

    func latencyLines() -> [SVGChart.Line] {
        let styles: [(Int, String?)] = [(50, nil), (95, "6 4"), (99, "1.5 3")]
        return variants.enumerated().flatMap { index, entry in
            styles.map { percent, dash in
                SVGChart.Line(
                    label: "\(entry.variant) p\(percent)", color: color(index), dash: dash,
                    points: points(entry.points) { $0.percentiles[percent]?.estimate })
            }
        }
    }

    /// About six ticks at round times (HH:MM, with the date when the range spans days).
    func timeTicks() -> [(x: Double, label: String)] {
        let span = max(1, series.end.millis - series.start.millis)
        let steps: [Int64] = [60_000, 300_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 86_400_000]
        let step = steps.first { span / $0 <= 8 } ?? 86_400_000 * ((span / 86_400_000) / 8 + 1)
        var tick = (series.start.millis + step - 1) / step * step
        var ticks: [(x: Double, label: String)] = []
        while tick <= series.end.millis {
            let text = EventTime(millis: tick).rfc3339
            let label =
                span > 86_400_000
                ? String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
                : String(text.dropFirst(11).prefix(5))
            ticks.append((x: series.position(EventTime(millis: tick)), label: label))
            tick += step
        }
        return ticks
    }
}
