import Testing

@testable import FlywheelEngine

struct WatermarkTrailTests {
    static let trail: WatermarkTrail = {
        var trail = WatermarkTrail()
        trail.append(sequence: 3, watermark: at(100))
        trail.append(sequence: 7, watermark: at(250))
        trail.append(sequence: 8, watermark: at(400))
        trail.append(sequence: 12, watermark: .max)
        return trail
    }()

    @Test func emptyTrailReachesNothing() {
        let trail = WatermarkTrail()
        #expect(trail.isEmpty)
        #expect(trail.firstSequence(reaching: .min) == nil)
        #expect(trail.firstSequence(reaching: at(0)) == nil)
    }

    @Test(
        arguments: [
            (Int64.min, 3),
            (-5, 3),
            (99, 3),
            (100, 3),
            (101, 7),
            (250, 7),
            (251, 8),
            (400, 8),
            (401, 12),
            (Int64.max, 12),
        ] as [(Int64, Int64)])
    func firstSequenceIsWhereTheWatermarkFirstReachedTime(time: Int64, sequence: Int64) {
        #expect(Self.trail.firstSequence(reaching: at(time)) == sequence)
    }

    @Test func timeBeyondTheLastWatermarkIsNotReached() {
        var trail = WatermarkTrail()
        trail.append(sequence: 1, watermark: at(10))
        trail.append(sequence: 2, watermark: at(20))
        #expect(!trail.isEmpty)
        #expect(trail.firstSequence(reaching: at(20)) == 2)
        #expect(trail.firstSequence(reaching: at(21)) == nil)
        #expect(trail.sequences == [1, 2])
        #expect(trail.watermarks == [at(10), at(20)])
    }

    @Test func everyTimeMapsToItsFirstReachingEntry() {
        var trail = WatermarkTrail()
        var watermark: Int64 = 0
        for sequence: Int64 in 0..<257 {
            watermark += sequence % 5 + 1
            trail.append(sequence: sequence * 2, watermark: at(watermark))
        }
        for time: Int64 in -1...(watermark + 1) {
            let firstIndex = trail.watermarks.firstIndex { $0 >= at(time) }
            #expect(trail.firstSequence(reaching: at(time)) == firstIndex.map { trail.sequences[$0] })
        }
    }
}
