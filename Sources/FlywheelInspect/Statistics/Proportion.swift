import Foundation

/// A closed interval of real numbers, e.g. a 95 % confidence interval.
public struct Interval: Equatable, Sendable, Codable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    /// Whether the interval contains `value` (bounds included).
    public func contains(_ value: Double) -> Bool { low <= value && value <= high }
}

/// Confidence intervals and tests for proportions (pure functions, no state).
public enum Proportion {
    /// The two-sided 95 % standard normal quantile, z(0.975).
    public static let z95 = 1.959963984540054

    /// The Wilson score interval for `successes` out of `trials`; nil when `trials` is 0.
    ///
    /// Unlike the Wald interval it stays inside [0, 1] and behaves at 0 and n successes
    /// (Wilson 1927; Agresti & Coull 1998). 8 of 10 at 95 % gives [0.4902, 0.9433].
    public static func wilson(successes: Int64, trials: Int64, z: Double = z95) -> Interval? {
        guard trials > 0, successes >= 0, successes <= trials else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
        return Interval(low: max(0, center - half), high: min(1, center + half))
    }

    /// The two-sided pooled two-proportion z-test of B against A, with Newcombe's hybrid score interval
    /// (method 10, built from the two Wilson intervals) for the difference `pB - pA`.
    ///
    /// nil when either arm has no trials. When both arms are all successes or all failures the pooled
    /// variance is 0: z is 0 and the p-value 1.
    public static func twoProportionTest(
        successesA: Int64, trialsA: Int64, successesB: Int64, trialsB: Int64
    ) -> ProportionComparison? {
        guard let wilsonA = wilson(successes: successesA, trials: trialsA),
            let wilsonB = wilson(successes: successesB, trials: trialsB)
        else { return nil }
        let nA = Double(trialsA)
        let nB = Double(trialsB)
        let pA = Double(successesA) / nA
        let pB = Double(successesB) / nB
        let pooled = (Double(successesA) + Double(successesB)) / (nA + nB)
        let standardError = (pooled * (1 - pooled) * (1 / nA + 1 / nB)).squareRoot()
        let z = standardError > 0 ? (pB - pA) / standardError : 0
        let difference = pB - pA
        let low =
            difference
            - ((pB - wilsonB.low) * (pB - wilsonB.low) + (wilsonA.high - pA) * (wilsonA.high - pA)).squareRoot()
        let high =
            difference
            + ((wilsonB.high - pB) * (wilsonB.high - pB) + (pA - wilsonA.low) * (pA - wilsonA.low)).squareRoot()
        return ProportionComparison(
            rateA: pA, rateB: pB, difference: difference, interval: Interval(low: low, high: high), z: z,
            pValue: Normal.twoSidedPValue(z))
    }
}

/// The result of ``Proportion/twoProportionTest(successesA:trialsA:successesB:trialsB:)``.
public struct ProportionComparison: Equatable, Sendable {
    public var rateA: Double
    public var rateB: Double
    /// `rateB - rateA`.
    public var difference: Double
    /// 95 % interval for the difference (Newcombe hybrid score).
    public var interval: Interval
    /// The pooled z statistic; positive when B is higher.
    public var z: Double
    /// Two-sided p-value of the pooled z-test.
    public var pValue: Double
}

/// The standard normal distribution.
public enum Normal {
    /// P(Z <= x).
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// P(|Z| >= |z|), the two-sided p-value of a z statistic.
    public static func twoSidedPValue(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }
}
