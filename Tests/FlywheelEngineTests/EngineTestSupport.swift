@testable import FlywheelEngine

/// An event time in milliseconds since the epoch.
func at(_ millis: Int64) -> EventTime { EventTime(millis: millis) }

/// The window `[start, end)` in milliseconds.
func window(_ start: Int64, _ end: Int64) -> Window { Window(start: at(start), end: at(end)) }

/// Sums inputs and counts them; merging adds both, so the result does not depend on merge order.
struct SumAccumulator: MergeableAccumulator, Equatable, Sendable {
    var total = 0
    var count = 0

    init() {}

    mutating func add(_ input: Int) {
        total += input
        count += 1
    }

    mutating func merge(_ other: SumAccumulator) {
        total += other.total
        count += other.count
    }
}

/// One firing of a keyed window, as seen by an `emit` closure.
struct Firing: Equatable, CustomStringConvertible {
    var window: Window
    var key: String
    var total: Int
    var count: Int

    var description: String { "\(key) [\(window.start.millis), \(window.end.millis)) total \(total) count \(count)" }
}
