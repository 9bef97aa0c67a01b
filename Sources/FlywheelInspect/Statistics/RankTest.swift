import Foundation

/// The Mann-Whitney U (Wilcoxon rank-sum) test, two-sided, normal approximation with tie and continuity
/// corrections (as SciPy's `mannwhitneyu(method="asymptotic", use_continuity=True)`).
public enum RankTest {
    /// The result of a rank test of sample B against sample A.
    public struct Result: Equatable, Sendable {
        /// U of sample B: how many (a, b) pairs have b > a, ties counting one half.
        public var uB: Double
        /// The z statistic; positive when B tends to be larger.
        public var z: Double
        /// Two-sided p-value.
        public var pValue: Double
    }

    /// Tests whether values of `b` tend to be larger or smaller than values of `a`; nil when either is empty.
    public static func mannWhitney(_ a: [Double], _ b: [Double]) -> Result? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        let nA = Double(a.count)
        let nB = Double(b.count)
        let n = nA + nB
        var pooled = a.map { ($0, false) } + b.map { ($0, true) }
        pooled.sort { $0.0 < $1.0 }
        var rankSumB = 0.0
        var tieTerm = 0.0
        var start = 0
        while start < pooled.count {
            var end = start
            while end + 1 < pooled.count && pooled[end + 1].0 == pooled[start].0 { end += 1 }
            let averageRank = Double(start + end + 2) / 2
            let tied = Double(end - start + 1)
            tieTerm += tied * tied * tied - tied
            for index in start...end where pooled[index].1 { rankSumB += averageRank }
            start = end + 1
        }
        let uB = rankSumB - nB * (nB + 1) / 2
        let mean = nA * nB / 2
        let variance = nA * nB / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return Result(uB: uB, z: 0, pValue: 1) }
        let offset = uB - mean
        let corrected = offset > 0 ? max(0, offset - 0.5) : min(0, offset + 0.5)
        let z = corrected / variance.squareRoot()
        return Result(uB: uB, z: z, pValue: min(1, Normal.twoSidedPValue(z)))
    }
}
