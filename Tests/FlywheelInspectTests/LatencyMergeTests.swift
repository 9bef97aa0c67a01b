import Foundation
import Testing

@testable import FlywheelInspect

struct LatencyMergeTests {
    /// The nearest-rank percentile of raw latencies (CONTRACT 3.1).
    static func nearestRank(_ values: [Double], _ percent: Int) -> Double {
        let sorted = values.sorted()
        return sorted[Int(LatencyMerge.rank(percent, Int128(sorted.count))) - 1]
    }

    static func window(_ values: [Double]) -> LatencyWindow {
        LatencyWindow(
            responses: Int64(values.count), mean: values.reduce(0, +) / Double(values.count),
            p50: nearestRank(values, 50), p95: nearestRank(values, 95), p99: nearestRank(values, 99))
    }

    @Test func oneWindowGivesItsOwnPercentilesExactly() throws {
        let merge = LatencyMerge([LatencyWindow(responses: 20, mean: 500, p50: 400, p95: 900, p99: 1200)])
        for (percent, value) in [(50, 400.0), (95, 900.0), (99, 1200.0)] {
            let merged = try #require(merge.quantile(percent))
            #expect(merged == MergedQuantile(estimate: value, low: value, high: value))
        }
        #expect(merge.mean() == 500)
    }

    @Test func identicalWindowsMergeToTheirPercentiles() throws {
        let window = LatencyWindow(responses: 10, mean: 300, p50: 250, p95: 700, p99: 700)
        let merged = try #require(LatencyMerge([window, window, window]).quantile(95))
        #expect(merged.low == 700 && merged.high == 700 && merged.estimate == 700)
    }

    /// Two windows of 10: 1...10 ms and 101...110 ms. Pooled p50 (rank 10 of 20) is 10 ms; p95 (rank 19) is
    /// 109 ms. From the records alone the p50 could be as low as 5 (the second window's 4 values below its
    /// p50 = 105 could be tiny) and the p95 anywhere in [105, 110].
    @Test func twoWindowsBracketTheKnownPooledPercentiles() throws {
        let first = (1...10).map(Double.init)
        let second = (101...110).map(Double.init)
        let merge = LatencyMerge([Self.window(first), Self.window(second)])
        let p50 = try #require(merge.quantile(50))
        #expect(p50.low == 5 && p50.high == 10)
        #expect(p50.estimate == 10)
        let p95 = try #require(merge.quantile(95))
        #expect(p95.low == 105 && p95.high == 110)
        #expect(p95.contains(109))
        #expect(abs(try #require(merge.mean()) - 55.5) < 1e-9)
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func boundsContainThePooledPercentileOfRandomWindows(seed: UInt64) throws {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 40) / Double(1 << 24)
        }
        var windows: [[Double]] = []
        for _ in 0..<30 {
            let count = 1 + Int(next() * 40)
            let scale = 500 + next() * 3000
            windows.append((0..<count).map { _ in (scale * -log(1 - next() * 0.999)).rounded() })
        }
        let merge = LatencyMerge(windows.map(Self.window))
        let pooled = windows.flatMap { $0 }
        for percent in LatencyMerge.percents {
            let merged = try #require(merge.quantile(percent))
            let truth = Self.nearestRank(pooled, percent)
            #expect(merged.low <= truth && truth <= merged.high, "p\(percent): \(truth) not in \(merged)")
            #expect(merged.low <= merged.estimate && merged.estimate <= merged.high)
        }
    }

    @Test func noResponsesGivesNoPercentile() {
        #expect(LatencyMerge([]).quantile(50) == nil)
        #expect(LatencyMerge([]).mean() == nil)
    }
}

extension MergedQuantile {
    func contains(_ value: Double) -> Bool { low <= value && value <= high }
}
