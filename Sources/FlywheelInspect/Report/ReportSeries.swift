import FlywheelEngine

/// The time series a report draws: per model and variant, the quality records merged into buckets.
struct ReportSeries {
    /// One bucket of one (model, variant).
    struct Point {
        var start: EventTime
        var end: EventTime
        var group: QualityGroup
    }

    /// Most buckets drawn across the time axis.
    static let maxBuckets = 120

    var start: EventTime
    var end: EventTime
    var bucketMillis: Int64
    /// Per model (sorted), per variant (sorted), the non-empty buckets in time order.
    var models: [(model: String, variants: [(variant: String, points: [Point])])]

    init?(_ records: [QualityRecord]) {
        guard let first = records.map(\.windowStart).min(), let last = records.map(\.windowEnd).max() else {
            return nil
        }
        let window = max(1, records.map { $0.windowEnd.millis - $0.windowStart.millis }.min() ?? 60_000)
        let span = max(window, last.millis - first.millis)
        let windows = (span + window - 1) / window
        bucketMillis = window * max(1, (windows + Int64(Self.maxBuckets) - 1) / Int64(Self.maxBuckets))
        start = first
        end = last
        var byKey: [GroupKey: [Int64: [QualityRecord]]] = [:]
        for record in records {
            let bucket = (record.windowStart.millis - first.millis) / bucketMillis
            byKey[GroupKey(model: record.model, variant: record.variant), default: [:]][bucket, default: []]
                .append(record)
        }
        let bucketMillis = bucketMillis
        let keys = byKey.keys.sorted()
        models = Set(keys.map(\.model)).sorted().map { model in
            let variants = keys.filter { $0.model == model }.map { key in
                let buckets = byKey[key] ?? [:]
                let points = buckets.keys.sorted().map { index in
                    let bucketStart = first.adding(index * bucketMillis)
                    return Point(
                        start: bucketStart, end: bucketStart.adding(bucketMillis),
                        group: QualityGroup(model: key.model, variant: key.variant, records: buckets[index] ?? []))
                }
                return (variant: key.variant, points: points)
            }
            return (model: model, variants: variants)
        }
    }

    /// Where a bucket starting at `time` is drawn: its middle, as a fraction of the time axis.
    func position(_ time: EventTime) -> Double {
        let total = Double(max(1, end.millis - start.millis))
        return Double(time.millis - start.millis) / total
    }
}
