/// The sweep counts responses in Int128: a window may claim up to Int64.max responses and a bootstrap draws it
/// many times, so Int64 sums could overflow; Int128 holds every sum exactly.
extension LatencyMerge {
    /// ceil(percent / 100 * n) in integers.
    static func rank(_ percent: Int, _ n: Int128) -> Int128 { (Int128(percent) * n + 99) / 100 }

    /// Counts of responses known to be <= v at level 0, 1, 2 (p50, p95, p99) of a window.
    static func levelCounts(_ n: Int128) -> [Int128] { LatencyMerge.percents.map { rank($0, n) } }

    /// The guaranteed bounds of the pooled nearest-rank percentile, by two sweeps over the sorted steps.
    func bounds(_ percent: Int, multiplicity: [Int]?) -> (Double, Double)? {
        var total: Int128 = 0
        var atLeast: Int128 = 0  // C_lo(x): responses certainly <= x
        var atMost: Int128 = 0  // C_hi(x): responses possibly <= x
        for (index, window) in windows.enumerated() {
            let m = Int128(multiplicity?[index] ?? 1)
            total += m * Int128(window.responses)
            atMost += m * (Self.rank(50, Int128(window.responses)) - 1)
        }
        guard total > 0 else { return nil }
        let target = Self.rank(percent, total)
        var low: Double?
        var high: Double?
        var position = 0
        while position < steps.count && high == nil {
            let value = steps[position].value
            while position < steps.count && steps[position].value == value {
                let step = steps[position]
                let m = Int128(multiplicity?[step.window] ?? 1)
                let n = Int128(windows[step.window].responses)
                let counts = Self.levelCounts(n)
                atLeast += m * (counts[step.level] - (step.level > 0 ? counts[step.level - 1] : 0))
                let next = step.level < 2 ? counts[step.level + 1] - 1 : n
                atMost += m * (next - (counts[step.level] - 1))
                position += 1
            }
            if low == nil && atMost >= target { low = value }
            if atLeast >= target { high = value }
        }
        guard let low, let high else { return nil }
        return (low, high)
    }

    /// Inverts the response-weighted mixture of the windows' piecewise-linear distributions at `percent`.
    func estimate(_ percent: Int, multiplicity: [Int]?) -> Double? {
        var totalWeight = 0.0
        for (index, window) in windows.enumerated() {
            totalWeight += Double(window.responses) * Double(multiplicity?[index] ?? 1)
        }
        guard totalWeight > 0, let last = kinks.last else { return nil }
        let target = Double(percent) / 100 * totalWeight
        var cumulative = 0.0
        var slope = 0.0
        var position = 0
        while position < kinks.count {
            let x = kinks[position].x
            while position < kinks.count && kinks[position].x == x {
                let kink = kinks[position]
                let weight = Double(windows[kink.window].responses) * Double(multiplicity?[kink.window] ?? 1)
                cumulative += kink.jump * weight
                slope += kink.slope * weight
                position += 1
            }
            if cumulative >= target * (1 - 1e-12) { return x }
            guard position < kinks.count else { break }
            let nextX = kinks[position].x
            let rise = slope * (nextX - x)
            if slope > 0 && cumulative + rise >= target { return x + (target - cumulative) / slope }
            cumulative += rise
        }
        return last.x
    }
}
