import FlywheelSignals

/// The seeded generator of "random" tests, so that every run sees the same inputs: the
/// generator's SplitMix64, which the Python fixtures reproduce.
public typealias SeededGenerator = SplitMix64
