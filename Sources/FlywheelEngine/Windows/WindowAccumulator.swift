/// Per-key, per-window state of an aggregation.
public protocol WindowAccumulator {
    associatedtype Input
    init()
    mutating func add(_ input: Input)
}

/// An accumulator whose states can be merged, as session windows need when they merge.
public protocol MergeableAccumulator: WindowAccumulator {
    /// Folds `other` into `self`. Must not depend on which of the two sessions started first.
    mutating func merge(_ other: Self)
}
