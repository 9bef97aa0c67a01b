import Foundation

/// A small, fast and fully deterministic pseudo-random number generator (SplitMix64).
///
/// The whole output sequence is a function of the seed, so two generators created with the same
/// seed produce the same numbers on every platform. Not suitable for cryptography.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose output sequence is determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// Returns the next 64 pseudo-random bits and advances the generator.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 finalizer: a bijective scrambling of `value`.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SplitMix64 {
    /// A uniform double in `0..<1` with 53 bits of precision.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// `true` with probability `probability` (0 never, 1 always).
    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// A uniform integer in `0..<count` (0 when `count <= 1`).
    mutating func below(_ count: Int) -> Int {
        count <= 1 ? 0 : Int(truncatingIfNeeded: next() % UInt64(count))
    }

    /// A uniform integer in `lower...upper`.
    mutating func between(_ lower: Int64, _ upper: Int64) -> Int64 {
        upper <= lower ? lower : lower + Int64(truncatingIfNeeded: next() % UInt64(upper - lower + 1))
    }

    /// An approximately standard-normal value (Irwin-Hall sum of four uniforms, rescaled).
    mutating func gaussian() -> Double {
        (unit() + unit() + unit() + unit() - 2) * 1.732_050_807_568_877
    }

    /// A log-normal value with the given median and shape.
    mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * exp(sigma * gaussian())
    }

    /// An index drawn with probability proportional to `weights[index]`.
    mutating func weighted(_ weights: [Double]) -> Int {
        var remaining = unit() * weights.reduce(0, +)
        for (index, weight) in weights.enumerated() {
            remaining -= weight
            if remaining < 0 { return index }
        }
        return weights.count - 1
    }
}
