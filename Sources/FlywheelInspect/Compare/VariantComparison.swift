/// An A/B read-out of two variants over the selected `model_quality` records.
///
/// Rates: pooled two-proportion z-test and Newcombe's interval for B - A. Latency: the records carry only
/// per-window summaries, so windows are the units: a Mann-Whitney rank test on the per-window values of the
/// metric (each window counts once) and a seeded bootstrap that resamples windows for the interval of the
/// difference of the merged statistic. "Significant" means p < 0.05 for the metric's test.
public struct VariantComparison: Sendable {
    /// One metric's read-out.
    public struct Row: Sendable, Encodable {
        public var metric: String
        public var valueA: Double?
        public var valueB: Double?
        /// `valueB - valueA`.
        public var difference: Double?
        public var ci95: Interval?
        public var pValue: Double?
        public var test: String
        public var significant: Bool { (pValue ?? 1) < 0.05 }
        /// Whether the metric is a rate (shown in percentage points) rather than milliseconds.
        public var isRate: Bool
    }

    public var variantA: String
    public var variantB: String
    public var models: [String]
    public var windowsA: Int
    public var windowsB: Int
    public var responsesA: Int64
    public var responsesB: Int64
    public var rows: [Row] = []

    /// Compares variant `b` against `a`; fails naming the variants present when one has no records.
    public static func make(_ data: InspectData, a: String, b: String) throws(InspectError) -> VariantComparison {
        guard a != b else { throw InspectError(.invalidOption, "--compare needs two different variants") }
        let present = Set(data.quality.map(\.variant)).sorted()
        for name in [a, b] where !present.contains(name) {
            throw InspectError(
                .invalidOption,
                "--compare: variant \(name) has no model_quality records in the selection; variants present: "
                    + (present.isEmpty ? "none" : present.joined(separator: ", ")))
        }
        let recordsA = data.quality.filter { $0.variant == a }
        let recordsB = data.quality.filter { $0.variant == b }
        let groupA = QualityGroup(model: "", variant: a, records: recordsA)
        let groupB = QualityGroup(model: "", variant: b, records: recordsB)
        var comparison = VariantComparison(
            variantA: a, variantB: b, models: Set(recordsA.map(\.model) + recordsB.map(\.model)).sorted(),
            windowsA: recordsA.count, windowsB: recordsB.count, responsesA: groupA.responses,
            responsesB: groupB.responses)
        comparison.rows = rateRows(groupA, groupB) + latencyRows(groupA, groupB)
        return comparison
    }

    static func rateRows(_ a: QualityGroup, _ b: QualityGroup) -> [Row] {
        [
            rateRow("up_rate", a.feedbackUp, a.rated, b.feedbackUp, b.rated),
            rateRow("regenerate_rate", a.regenerations, a.responses, b.regenerations, b.responses),
            rateRow(
                "error_rate", a.errors, a.responses.addingSaturating(a.errors), b.errors,
                b.responses.addingSaturating(b.errors)),
        ]
    }

    static func rateRow(_ metric: String, _ sA: Int64, _ nA: Int64, _ sB: Int64, _ nB: Int64) -> Row {
        let valueA = nA > 0 ? Double(sA) / Double(nA) : nil
        let valueB = nB > 0 ? Double(sB) / Double(nB) : nil
        var row = Row(
            metric: metric, valueA: valueA, valueB: valueB, difference: nil, ci95: nil, pValue: nil,
            test: "two-proportion z (pooled), Newcombe CI", isRate: true)
        if let valueA, let valueB { row.difference = valueB - valueA }
        // A rate above 1 (more regenerations than responses in the range) is not a proportion: no test.
        guard sA <= nA, sB <= nB,
            let test = Proportion.twoProportionTest(successesA: sA, trialsA: nA, successesB: sB, trialsB: nB)
        else { return row }
        row.ci95 = test.interval
        row.pValue = test.pValue
        return row
    }

    static func latencyRows(_ a: QualityGroup, _ b: QualityGroup) -> [Row] {
        let windowsA = a.latency.windows
        let windowsB = b.latency.windows
        let bootstrap = Bootstrap()
        let test = "Mann-Whitney on windows, window bootstrap CI"
        var rows: [Row] = []
        let meanCI = bootstrap.differenceInterval(
            unitsA: windowsA.count, unitsB: windowsB.count, statisticA: { a.latency.mean(multiplicity: $0) },
            statisticB: { b.latency.mean(multiplicity: $0) })
        rows.append(
            latencyRow(
                "latency_ms_mean", a.latencyMean, b.latencyMean, meanCI,
                RankTest.mannWhitney(windowsA.map(\.mean), windowsB.map(\.mean)), test))
        for percent in LatencyMerge.percents {
            let value: (LatencyWindow) -> Double = { percent == 50 ? $0.p50 : percent == 95 ? $0.p95 : $0.p99 }
            let interval = bootstrap.differenceInterval(
                unitsA: windowsA.count, unitsB: windowsB.count,
                statisticA: { a.latency.estimate(percent, multiplicity: $0) },
                statisticB: { b.latency.estimate(percent, multiplicity: $0) })
            rows.append(
                latencyRow(
                    "latency_ms_p\(percent)", a.percentiles[percent]?.estimate, b.percentiles[percent]?.estimate,
                    interval, RankTest.mannWhitney(windowsA.map(value), windowsB.map(value)), test))
        }
        return rows
    }

    static func latencyRow(
        _ metric: String, _ valueA: Double?, _ valueB: Double?, _ interval: Interval?, _ rank: RankTest.Result?,
        _ test: String
    ) -> Row {
        var difference: Double?
        if let valueA, let valueB { difference = valueB - valueA }
        return Row(
            metric: metric, valueA: valueA, valueB: valueB, difference: difference, ci95: interval,
            pValue: rank?.pValue, test: test, isRate: false)
    }
}
