import FlywheelSignals

/// A deterministic (seeded) percentile bootstrap that resamples whole units, e.g. windows.
///
/// Resampling windows rather than single responses is what the data allows (records carry per-window
/// summaries only) and what is honest when responses within a window are not independent.
public struct Bootstrap: Sendable {
    /// Number of resamples.
    public var resamples: Int
    /// Seed of the SplitMix64 generator; the same seed gives the same interval.
    public var seed: UInt64

    public init(resamples: Int = 1000, seed: UInt64 = 0x5EED) {
        self.resamples = resamples
        self.seed = seed
    }

    /// The 95 % percentile interval of `statisticB(resampled B) - statisticA(resampled A)`.
    ///
    /// Each statistic receives a multiplicity per unit (how often the resample drew it) and returns nil
    /// when it cannot be computed; such resamples are skipped. nil when fewer than half remain.
    public func differenceInterval(
        unitsA: Int, unitsB: Int, statisticA: ([Int]) -> Double?, statisticB: ([Int]) -> Double?
    ) -> Interval? {
        guard unitsA > 0, unitsB > 0, resamples > 0 else { return nil }
        var generator = SplitMix64(seed: seed)
        var differences: [Double] = []
        differences.reserveCapacity(resamples)
        var countsA = [Int](repeating: 0, count: unitsA)
        var countsB = [Int](repeating: 0, count: unitsB)
        for _ in 0..<resamples {
            Self.draw(into: &countsA, using: &generator)
            Self.draw(into: &countsB, using: &generator)
            if let a = statisticA(countsA), let b = statisticB(countsB) { differences.append(b - a) }
        }
        guard differences.count * 2 >= resamples else { return nil }
        differences.sort()
        return Interval(low: Self.percentile(differences, 0.025), high: Self.percentile(differences, 0.975))
    }

    /// Fills `counts` with the multiplicities of `counts.count` draws with replacement.
    static func draw(into counts: inout [Int], using generator: inout SplitMix64) {
        for index in counts.indices { counts[index] = 0 }
        let n = UInt64(counts.count)
        for _ in 0..<counts.count {
            counts[Int(generator.next() % n)] += 1
        }
    }

    /// Linear interpolation between closest ranks of a sorted sample (numpy's default).
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let position = p * Double(sorted.count - 1)
        let lower = Int(position)
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
