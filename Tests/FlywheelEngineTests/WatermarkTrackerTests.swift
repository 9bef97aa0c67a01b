import FlywheelTesting
import Testing

@testable import FlywheelEngine

struct WatermarkTrackerTests {
    @Test(
        arguments: [(5000, 10_000, 4999), (0, 10_000, 9999), (5000, 0, -5001), (5000, -3, -5004)]
            as [(Int64, Int64, Int64)])
    func watermarkIsMaxMinusOutOfOrdernessMinusOne(outOfOrderness: Int64, time: Int64, watermark: Int64) {
        var tracker = WatermarkTracker(partitions: 1, maxOutOfOrdernessMs: outOfOrderness)
        #expect(tracker.observe(at(time), partition: 0) == true)
        #expect(tracker.current == at(watermark))
        #expect(tracker.partitionWatermark(0) == at(watermark))
    }

    @Test func olderEventDoesNotMoveTheWatermark() {
        var tracker = WatermarkTracker(partitions: 1, maxOutOfOrdernessMs: 5000)
        _ = tracker.observe(at(20_000), partition: 0)
        #expect(tracker.observe(at(12_000), partition: 0) == false)
        #expect(tracker.observe(at(20_000), partition: 0) == false)
        #expect(tracker.current == at(14_999))
        #expect(tracker.observe(at(20_001), partition: 0) == true)
        #expect(tracker.current == at(15_000))
    }

    @Test func freshTrackerIsAtMinusInfinity() {
        let tracker = WatermarkTracker(partitions: 3, maxOutOfOrdernessMs: 5000)
        #expect(tracker.current == .min)
        #expect(tracker.partitionWatermark(2) == .min)
        #expect(tracker.partitionCount == 3)
    }

    /// A cluster added and another removed between runs: kept partitions keep their maxima and idleness, a
    /// new one starts with no event (holding W where it is, never back), a removed one no longer holds W.
    @Test func remappedPartitionsKeepTheirStateAndTheWatermarkNeverRegresses() {
        var tracker = WatermarkTracker(partitions: 3, maxOutOfOrdernessMs: 0)
        _ = tracker.observe(at(100), partition: 0)
        _ = tracker.observe(at(300), partition: 1)
        _ = tracker.observe(at(50), partition: 2)
        #expect(tracker.current == at(49))
        _ = tracker.setIdle(true, partition: 1)
        // Earlier partition 2 (the slowest) removed; 1 and 0 kept, in a new order; one new partition.
        tracker.remap([1, nil, 0])
        #expect(tracker.partitionCount == 3)
        #expect(tracker.isIdle(0) && !tracker.isIdle(1) && !tracker.isIdle(2))
        #expect(tracker.partitionWatermark(0) == at(299) && tracker.partitionWatermark(2) == at(99))
        #expect(tracker.partitionWatermark(1) == .min)
        #expect(tracker.current == at(49))
        // The new partition's first event lets W move to the slowest active partition's watermark.
        #expect(tracker.observe(at(200), partition: 1) == true)
        #expect(tracker.current == at(99))
    }

    @Test func partitionCountIsAtLeastOne() {
        #expect(WatermarkTracker(partitions: 0, maxOutOfOrdernessMs: 0).partitionCount == 1)
    }

    @Test func combinedWatermarkIsTheMinimumOverPartitions() {
        var tracker = WatermarkTracker(partitions: 2, maxOutOfOrdernessMs: 0)
        _ = tracker.observe(at(100), partition: 0)
        #expect(tracker.current == .min)
        #expect(tracker.observe(at(50), partition: 1) == true)
        #expect(tracker.current == at(49))
        #expect(tracker.observe(at(300), partition: 0) == false)
        #expect(tracker.current == at(49))
        #expect(tracker.observe(at(200), partition: 1) == true)
        #expect(tracker.current == at(199))
    }

    @Test func partitionThatSawNothingHoldsTheWatermarkAtMinusInfinity() {
        var tracker = WatermarkTracker(partitions: 3, maxOutOfOrdernessMs: 0)
        _ = tracker.observe(at(1000), partition: 0)
        _ = tracker.observe(at(2000), partition: 2)
        #expect(tracker.current == .min)
    }

    @Test func finishedPartitionDoesNotHoldTheWatermarkBack() {
        var tracker = WatermarkTracker(partitions: 2, maxOutOfOrdernessMs: 0)
        _ = tracker.observe(at(1000), partition: 0)
        _ = tracker.observe(at(10), partition: 1)
        #expect(tracker.finish(partition: 1) == true)
        #expect(tracker.current == at(999))
        #expect(tracker.partitionWatermark(1) == .max)
    }

    @Test func finishedPartitionThatSawNothingDoesNotHoldTheWatermarkBack() {
        var tracker = WatermarkTracker(partitions: 2, maxOutOfOrdernessMs: 0)
        _ = tracker.observe(at(1000), partition: 0)
        tracker.finish(partition: 1)
        #expect(tracker.current == at(999))
    }

    @Test func allPartitionsFinishedIsPlusInfinity() {
        var tracker = WatermarkTracker(partitions: 2, maxOutOfOrdernessMs: 5000)
        _ = tracker.observe(at(1000), partition: 0)
        #expect(tracker.finish(partition: 0) == false)
        #expect(tracker.current == .min)
        #expect(tracker.finish(partition: 1) == true)
        #expect(tracker.current == .max)
    }

    @Test func idlePartitionDoesNotHoldTheWatermarkBack() {
        var tracker = WatermarkTracker(partitions: 2, maxOutOfOrdernessMs: 0)
        _ = tracker.observe(at(1000), partition: 0)
        #expect(tracker.setIdle(true, partition: 1) == true)
        #expect(tracker.current == at(999))
        _ = tracker.observe(at(2000), partition: 0)
        #expect(tracker.current == at(1999))
    }

    @Test func partitionActiveAgainDoesNotMakeTheWatermarkRegress() {
        var tracker = WatermarkTracker(partitions: 2, maxOutOfOrdernessMs: 0)
        _ = tracker.observe(at(1000), partition: 0)
        _ = tracker.observe(at(10), partition: 1)
        tracker.setIdle(true, partition: 1)
        #expect(tracker.current == at(999))
        #expect(tracker.setIdle(false, partition: 1) == false)
        #expect(tracker.current == at(999))
        #expect(tracker.observe(at(500), partition: 1) == false)
        #expect(tracker.current == at(999))
        #expect(tracker.observe(at(3000), partition: 0) == false)
        #expect(tracker.current == at(999))
        #expect(tracker.observe(at(1500), partition: 1) == true)
        #expect(tracker.current == at(1499))
    }

    @Test func allPartitionsIdleKeepsTheWatermark() {
        var tracker = WatermarkTracker(partitions: 2, maxOutOfOrdernessMs: 0)
        _ = tracker.observe(at(1000), partition: 0)
        _ = tracker.observe(at(500), partition: 1)
        tracker.setIdle(true, partition: 0)
        tracker.setIdle(true, partition: 1)
        #expect(tracker.current == at(499))
    }

    @Test func watermarkNeverRegressesAndFollowsTheActiveMinimum() {
        var generator = SeededGenerator(seed: 7)
        var tracker = WatermarkTracker(partitions: 4, maxOutOfOrdernessMs: 100)
        var idle = [false, false, false, false]
        var previous = tracker.current
        for step in 0..<2000 {
            let partition = Int.random(in: 0..<4, using: &generator)
            if Int.random(in: 0..<10, using: &generator) == 0 {
                idle[partition].toggle()
                tracker.setIdle(idle[partition], partition: partition)
            } else {
                let time = Int64(step) * 10 + Int64.random(in: -500...500, using: &generator)
                _ = tracker.observe(at(time), partition: partition)
            }
            let active = (0..<4).filter { !idle[$0] }.map { tracker.partitionWatermark($0) }
            let expected = Swift.max(previous, active.min() ?? previous)
            #expect(tracker.current == expected, "step \(step)")
            previous = tracker.current
        }
        #expect(previous > at(10_000))
    }
}
