import FlywheelTesting
import Testing

@testable import FlywheelEngine

/// Drives a `KeyedWindowAggregator` and records every firing.
private struct AggregatorHarness {
    var aggregator: KeyedWindowAggregator<ExactKey, SumAccumulator>
    var firings: [Firing] = []

    init(_ assigner: WindowAssigner, allowedLatenessMs: Int64 = 0) {
        aggregator = KeyedWindowAggregator(assigner: assigner, allowedLatenessMs: allowedLatenessMs)
    }

    mutating func add(_ value: Int, key: String = "k", at millis: Int64) {
        var fired: [Firing] = []
        aggregator.add(value, key: ExactKey(key), at: at(millis)) { w, key, acc in
            fired.append(Firing(window: w, key: key.value, total: acc.total, count: acc.count))
        }
        firings += fired
    }

    /// Advances the watermark and returns what fired, keys sorted within each window.
    @discardableResult
    mutating func advance(to millis: Int64) -> [Firing] {
        var fired: [Firing] = []
        aggregator.advance(to: at(millis)) { w, key, acc in
            fired.append(Firing(window: w, key: key.value, total: acc.total, count: acc.count))
        }
        fired.sort { ($0.window, $0.key) < ($1.window, $1.key) }
        firings += fired
        return fired
    }
}

private func firing(_ start: Int64, _ end: Int64, _ key: String = "k", total: Int, count: Int = 1) -> Firing {
    Firing(window: window(start, end), key: key, total: total, count: count)
}

struct KeyedWindowAggregatorTests {
    @Test func windowFiresWhenWatermarkReachesEndMinusOne() {
        var h = AggregatorHarness(.tumbling(sizeMs: 60_000))
        h.add(5, at: 10_000)
        #expect(h.advance(to: 59_998).isEmpty)
        #expect(h.advance(to: 59_999) == [firing(0, 60_000, total: 5)])
        #expect(h.advance(to: 200_000).isEmpty)
    }

    @Test func recordAtWindowEndBelongsToTheNextWindow() {
        var h = AggregatorHarness(.tumbling(sizeMs: 60_000))
        h.add(1, at: 59_999)
        h.add(2, at: 60_000)
        #expect(h.advance(to: 59_999) == [firing(0, 60_000, total: 1)])
        #expect(h.advance(to: 119_999) == [firing(60_000, 120_000, total: 2)])
    }

    @Test func recordsOfOneKeyAndWindowAccumulate() {
        var h = AggregatorHarness(.tumbling(sizeMs: 60_000))
        for (value, time) in [(1, 0), (2, 30_000), (4, 59_999)] as [(Int, Int64)] { h.add(value, at: time) }
        #expect(h.advance(to: .max) == [firing(0, 60_000, total: 7, count: 3)])
    }

    @Test func eachKeyFiresItsOwnState() {
        var h = AggregatorHarness(.tumbling(sizeMs: 60_000))
        h.add(1, key: "a", at: 1)
        h.add(10, key: "b", at: 2)
        h.add(100, key: "a", at: 3)
        #expect(h.aggregator.stateCount == 2)
        #expect(
            h.advance(to: 59_999) == [firing(0, 60_000, "a", total: 101, count: 2), firing(0, 60_000, "b", total: 10)])
        #expect(h.aggregator.stateCount == 0)
    }

    @Test func oneAdvanceFiresWindowsInEndOrder() {
        var h = AggregatorHarness(.tumbling(sizeMs: 10))
        h.add(3, at: 35)
        h.add(1, at: 5)
        h.add(2, at: 15)
        h.add(9, at: 95)
        let fired = h.advance(to: 39)
        #expect(fired.map(\.window) == [window(0, 10), window(10, 20), window(30, 40)])
        #expect(h.aggregator.stateCount == 1)
    }

    @Test func slidingRecordCountsInEveryWindowContainingIt() {
        var h = AggregatorHarness(.sliding(sizeMs: 60_000, slideMs: 20_000))
        h.add(1, at: 20_000)
        let fired = h.advance(to: .max)
        #expect(
            fired == [firing(-20_000, 40_000, total: 1), firing(0, 60_000, total: 1), firing(20_000, 80_000, total: 1)])
    }

    @Test func watermarkNeverRegresses() {
        var h = AggregatorHarness(.tumbling(sizeMs: 10))
        h.advance(to: 100)
        h.advance(to: 50)
        #expect(h.aggregator.watermark == at(100))
    }

    @Test func recordPastItsWindowIsDroppedWithoutLateness() {
        var h = AggregatorHarness(.tumbling(sizeMs: 60_000))
        h.advance(to: 59_999)
        h.add(1, at: 59_999)
        #expect(h.aggregator.stateCount == 0)
        #expect(h.advance(to: .max).isEmpty)
        #expect(h.firings.isEmpty)
    }

    @Test func lateRecordWithinAllowedLatenessFiresTheWindowAgainAtOnce() {
        var h = AggregatorHarness(.tumbling(sizeMs: 60_000), allowedLatenessMs: 10_000)
        h.add(1, at: 10_000)
        #expect(h.advance(to: 59_999) == [firing(0, 60_000, total: 1)])
        h.add(2, at: 20_000)
        #expect(h.firings.last == firing(0, 60_000, total: 3, count: 2))
        #expect(h.firings.count == 2)
    }

    @Test func newKeyInAFiredWindowFiresOnlyThatKey() {
        var h = AggregatorHarness(.tumbling(sizeMs: 60_000), allowedLatenessMs: 10_000)
        h.add(1, key: "a", at: 10_000)
        h.advance(to: 60_000)
        h.add(5, key: "b", at: 30_000)
        #expect(h.firings == [firing(0, 60_000, "a", total: 1), firing(0, 60_000, "b", total: 5)])
    }

    @Test func firedWindowKeepsStateUntilEndMinusOnePlusLateness() {
        var h = AggregatorHarness(.tumbling(sizeMs: 60_000), allowedLatenessMs: 10_000)
        h.add(1, at: 10_000)
        h.advance(to: 69_998)
        #expect(h.aggregator.stateCount == 1)
        h.add(1, at: 10_001)
        #expect(h.firings.count == 2)
        h.advance(to: 69_999)
        #expect(h.aggregator.stateCount == 0)
        h.add(1, at: 10_002)
        #expect(h.firings.count == 2)
        #expect(h.advance(to: .max).isEmpty)
    }

    @Test func windowIsNotFiredTwiceByLaterWatermarks() {
        var h = AggregatorHarness(.tumbling(sizeMs: 60_000), allowedLatenessMs: 10_000)
        h.add(1, at: 0)
        #expect(h.advance(to: 59_999).count == 1)
        #expect(h.advance(to: 65_000).isEmpty)
        #expect(h.advance(to: .max).isEmpty)
    }

    @Test func lateRecordOpeningAPassedWindowFiresItAtOnce() {
        // W = 65 000 has passed the end - 1 of [0, 60 000) but not end - 1 + lateness, so the record is
        // accepted and its window should fire at once, as a window that fired already does (Flink's
        // EventTimeTrigger.onElement fires when maxTimestamp <= W).
        var h = AggregatorHarness(.tumbling(sizeMs: 60_000), allowedLatenessMs: 10_000)
        h.advance(to: 65_000)
        h.add(7, at: 30_000)
        #expect(h.firings == [firing(0, 60_000, total: 7)])
        h.advance(to: .max)
        #expect(h.firings == [firing(0, 60_000, total: 7)])
    }

    @Test func lateRecordSkipsOnlyTheSlidingWindowsPastTheirLateness() {
        var h = AggregatorHarness(.sliding(sizeMs: 60, slideMs: 20), allowedLatenessMs: 15)
        h.advance(to: 75)
        h.add(1, at: 50)
        // [0, 60) is past 59 + 15 <= 75; [20, 80) and [40, 100) are still open.
        #expect(h.firings.isEmpty)
        #expect(h.advance(to: .max) == [firing(20, 80, total: 1), firing(40, 100, total: 1)])
    }

    @Test func keysWithEqualHashesKeepTheirOwnState() {
        var aggregator = KeyedWindowAggregator<ExactKey, SumAccumulator>(assigner: .tumbling(sizeMs: 1000))
        for (key, value) in [("a", 1), ("b", 10), ("a", 100), ("b", 1000)] {
            aggregator.add(value, key: ExactKey(key), keyHash: 42, at: at(5)) { _, _, _ in }
        }
        var fired: [String: Int] = [:]
        aggregator.advance(to: at(999)) { _, key, acc in fired[key.value] = acc.total }
        #expect(fired == ["a": 101, "b": 1010])
        #expect(aggregator.stateCount == 0)
    }

    @Test func windowsMatchABruteForceModel() {
        var generator = SeededGenerator(seed: 77)
        let assigner = WindowAssigner.sliding(sizeMs: 1000, slideMs: 250)
        var h = AggregatorHarness(assigner)
        var expected: [Window: [String: Int]] = [:]
        var maxSeen = Int64.min
        for step in 0..<3000 {
            let time = Int64(step) * 25 + Int64.random(in: -400...0, using: &generator)
            let key = ["a", "b", "c", "d"].randomElement(using: &generator)!
            let value = Int.random(in: 1...9, using: &generator)
            if maxSeen != .min, time <= maxSeen - 301 { continue }
            h.add(value, key: key, at: time)
            for start in stride(from: time.floorDivided(by: 250) * 250 - 750, through: time, by: 250)
            where time < start + 1000 {
                expected[window(start, start + 1000), default: [:]][key, default: 0] += value
            }
            maxSeen = Swift.max(maxSeen, time)
            h.advance(to: maxSeen - 301)
        }
        h.advance(to: .max)
        let firings = expected.flatMap { w, keyed in
            keyed.map { Firing(window: w, key: $0.key, total: $0.value, count: 0) }
        }
        let order: (Firing, Firing) -> Bool = { ($0.window, $0.key) < ($1.window, $1.key) }
        let actual = h.firings.map { Firing(window: $0.window, key: $0.key, total: $0.total, count: 0) }
        #expect(actual.sorted(by: order) == firings.sorted(by: order))
        #expect(firings.count > 1000)
        #expect(h.firings.map(\.window) == h.firings.map(\.window).sorted())
        #expect(h.aggregator.stateCount == 0)
    }

    /// `hasTimer(notAfter:)` says whether advancing to a time would fire or clean up a window.
    @Test func hasTimerSaysWhetherAnAdvanceWouldFire() {
        var harness = AggregatorHarness(.tumbling(sizeMs: 1_000))
        #expect(!harness.aggregator.hasTimer(notAfter: .max))
        harness.add(1, at: 1_500)
        #expect(!harness.aggregator.hasTimer(notAfter: EventTime(millis: 1_998)))
        #expect(harness.aggregator.hasTimer(notAfter: EventTime(millis: 1_999)))
    }
}
