/// One window's latency summary as a `model_quality` record carries it (nearest-rank percentiles).
public struct LatencyWindow: Equatable, Sendable {
    public var responses: Int64
    public var mean: Double
    public var p50: Double
    public var p95: Double
    public var p99: Double

    public init(responses: Int64, mean: Double, p50: Double, p95: Double, p99: Double) {
        self.responses = responses
        self.mean = mean
        self.p50 = p50
        // Invariant: p50 <= p95 <= p99 (an engine allowed 1 % tolerance could break the order).
        self.p95 = max(p50, p95)
        self.p99 = max(p50, p95, p99)
    }
}

/// A latency percentile over several windows: a point estimate and guaranteed bounds.
public struct MergedQuantile: Equatable, Sendable, Codable {
    /// The estimate, from the piecewise-linear distribution the windows' percentiles imply.
    public var estimate: Double
    /// The pooled nearest-rank percentile of all the windows' responses is never below this.
    public var low: Double
    /// ... and never above this.
    public var high: Double
}

/// Merges per-window latency percentiles into percentiles over all their responses.
///
/// Exact merging needs the raw latencies, which the records do not carry. What they do carry bounds the
/// answer: a window's nearest-rank p-th percentile v with n responses means at least ceil(p n) of them are
/// <= v and fewer than ceil(p n) are < v. Summing these counts over windows brackets the pooled count
/// below any x, hence the pooled percentile (rank ceil(q N)) between ``MergedQuantile/low`` and
/// ``MergedQuantile/high``; with one window both equal its own percentile. The estimate treats each window
/// as a distribution linear between 0 ms, its p50, p95 and p99 (extended past p99 at the p95-p99 slope),
/// mixes them by response count and inverts the mixture, then clamps into the bounds. The mean is exact.
public struct LatencyMerge: Sendable {
    /// The merged percentiles, by rank in percent.
    public static let percents = [50, 95, 99]

    let windows: [LatencyWindow]
    /// Step changes of the guaranteed counts: (value, window, level 0...2).
    let steps: [(value: Double, window: Int, level: Int)]
    /// Breakpoints of the piecewise-linear mixture: (x, window, jump, slope change) per unit weight.
    let kinks: [(x: Double, window: Int, jump: Double, slope: Double)]

    public init(_ windows: [LatencyWindow]) {
        self.windows = windows.filter { $0.responses > 0 }
        var steps: [(value: Double, window: Int, level: Int)] = []
        var kinks: [(x: Double, window: Int, jump: Double, slope: Double)] = []
        steps.reserveCapacity(self.windows.count * 3)
        kinks.reserveCapacity(self.windows.count * 8)
        for (index, window) in self.windows.enumerated() {
            for (level, value) in [window.p50, window.p95, window.p99].enumerated() {
                steps.append((value, index, level))
            }
            let tail = window.p99 + (window.p99 - window.p95) / 4
            let anchors = [(0.0, 0.0), (window.p50, 0.5), (window.p95, 0.95), (window.p99, 0.99), (tail, 1.0)]
            for (a, b) in zip(anchors, anchors.dropFirst()) {
                if b.0 > a.0 {
                    let slope = (b.1 - a.1) / (b.0 - a.0)
                    kinks.append((a.0, index, 0, slope))
                    kinks.append((b.0, index, 0, -slope))
                } else {
                    kinks.append((a.0, index, b.1 - a.1, 0))
                }
            }
        }
        self.steps = steps.sorted { $0.value < $1.value }
        self.kinks = kinks.sorted { $0.x < $1.x }
    }

    /// Number of windows with at least one response.
    public var windowCount: Int { windows.count }

    /// The response-weighted mean latency (exact); nil without responses.
    public func mean(multiplicity: [Int]? = nil) -> Double? {
        var sum = 0.0
        var count = 0.0
        for (index, window) in windows.enumerated() {
            let weight = Double(window.responses) * Double(multiplicity?[index] ?? 1)
            sum += window.mean * weight
            count += weight
        }
        return count > 0 ? sum / count : nil
    }

    /// The merged `percent`-th percentile (50, 95 or 99); nil without responses.
    public func quantile(_ percent: Int, multiplicity: [Int]? = nil) -> MergedQuantile? {
        guard let (low, high) = bounds(percent, multiplicity: multiplicity),
            let estimate = estimate(percent, multiplicity: multiplicity)
        else { return nil }
        return MergedQuantile(estimate: min(max(estimate, low), high), low: low, high: high)
    }
}
