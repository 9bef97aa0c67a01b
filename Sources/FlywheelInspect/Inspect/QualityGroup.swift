import FlywheelEngine

/// The `model_quality` records of one (model, variant) over the selected range, added up.
///
/// Counts and token sums are exact sums over windows, held at Int64's bounds rather than overflowing; rates are pooled (total up / total rated, not a mean
/// of window rates); latency percentiles are merged as ``LatencyMerge`` explains.
public struct QualityGroup: Sendable {
    public var model: String
    public var variant: String
    public var windows = 0
    public var responses: Int64 = 0
    public var feedbackUp: Int64 = 0
    public var feedbackDown: Int64 = 0
    public var regenerations: Int64 = 0
    public var copies: Int64 = 0
    public var errors: Int64 = 0
    public var tokensIn: Int64 = 0
    public var tokensOut: Int64 = 0
    public var firstStart = EventTime.max
    public var lastEnd = EventTime.min
    /// The latency summaries of the windows, for merging and for window-level tests.
    public private(set) var latency = LatencyMerge([])
    /// Merged latency percentiles (50, 95, 99), computed once.
    public private(set) var percentiles: [Int: MergedQuantile] = [:]
    public private(set) var latencyMean: Double?

    init(model: String, variant: String, records: [QualityRecord]) {
        self.model = model
        self.variant = variant
        for record in records {
            windows += 1
            responses = responses.addingSaturating(record.responses)
            feedbackUp = feedbackUp.addingSaturating(record.feedbackUp)
            feedbackDown = feedbackDown.addingSaturating(record.feedbackDown)
            regenerations = regenerations.addingSaturating(record.regenerations)
            copies = copies.addingSaturating(record.copies)
            errors = errors.addingSaturating(record.errors)
            tokensIn = tokensIn.addingSaturating(record.tokensIn)
            tokensOut = tokensOut.addingSaturating(record.tokensOut)
            firstStart = min(firstStart, record.windowStart)
            lastEnd = max(lastEnd, record.windowEnd)
        }
        latency = LatencyMerge(records.compactMap(\.latency))
        latencyMean = latency.mean()
        for percent in LatencyMerge.percents {
            percentiles[percent] = latency.quantile(percent)
        }
    }

    /// Groups records by (model, variant), sorted by model then variant.
    public static func build(_ records: [QualityRecord]) -> [QualityGroup] {
        var byKey: [GroupKey: [QualityRecord]] = [:]
        for record in records {
            byKey[GroupKey(model: record.model, variant: record.variant), default: []].append(record)
        }
        return byKey.keys.sorted().map { key in
            QualityGroup(model: key.model, variant: key.variant, records: byKey[key] ?? [])
        }
    }

    public var rated: Int64 { feedbackUp.addingSaturating(feedbackDown) }
    /// Tokens in + out.
    public var tokens: Int64 { tokensIn.addingSaturating(tokensOut) }
    /// up / (up + down); nil without feedback.
    public var upRate: Double? { rated > 0 ? Double(feedbackUp) / Double(rated) : nil }
    /// 95 % Wilson interval of the up-rate.
    public var upRateInterval: Interval? { Proportion.wilson(successes: feedbackUp, trials: rated) }
    /// regenerations / responses; nil without responses.
    public var regenerateRate: Double? { responses > 0 ? Double(regenerations) / Double(responses) : nil }
    /// errors / (responses + errors); nil when both are 0.
    public var errorRate: Double? {
        let attempts = responses.addingSaturating(errors)
        return attempts > 0 ? Double(errors) / Double(attempts) : nil
    }
}

/// A (model, variant) pair, ordered by model then variant.
public struct GroupKey: Hashable, Comparable, Sendable {
    public var model: String
    public var variant: String

    public init(model: String, variant: String) {
        self.model = model
        self.variant = variant
    }

    public static func < (lhs: GroupKey, rhs: GroupKey) -> Bool {
        (lhs.model, lhs.variant) < (rhs.model, rhs.variant)
    }
}
