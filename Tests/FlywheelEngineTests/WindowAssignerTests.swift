import FlywheelTesting
import Testing

@testable import FlywheelEngine

struct WindowAssignerTests {
    static let minute: Int64 = 60_000

    @Test(
        arguments: [
            (0, 0),
            (1, 0),
            (59_999, 0),
            (60_000, 60_000),
            (60_001, 60_000),
            (-1, -60_000),
            (-59_999, -60_000),
            (-60_000, -60_000),
            (-60_001, -120_000),
            (1_795_687_212_345, 1_795_687_200_000),
        ] as [(Int64, Int64)])
    func tumblingWindowIsEpochAligned(time: Int64, start: Int64) {
        let windows = WindowAssigner.tumbling(sizeMs: Self.minute).windows(containing: at(time))
        #expect(windows == [window(start, start + Self.minute)])
    }

    @Test(
        arguments: [
            (0, [-40_000, -20_000, 0]),
            (19_999, [-40_000, -20_000, 0]),
            (20_000, [-20_000, 0, 20_000]),
            (59_999, [0, 20_000, 40_000]),
            (60_000, [20_000, 40_000, 60_000]),
            (-1, [-60_000, -40_000, -20_000]),
            (-20_000, [-60_000, -40_000, -20_000]),
            (-20_001, [-80_000, -60_000, -40_000]),
        ] as [(Int64, [Int64])])
    func slidingWindowsContainingTimeAreTheThreeOverlappingOnes(time: Int64, starts: [Int64]) {
        let windows = WindowAssigner.sliding(sizeMs: 60_000, slideMs: 20_000).windows(containing: at(time))
        #expect(windows == starts.map { window($0, $0 + 60_000) })
    }

    @Test(
        arguments: [
            (45, [0, 20, 40]),
            (49, [0, 20, 40]),
            (50, [20, 40]),
            (59, [20, 40]),
            (60, [20, 40, 60]),
        ] as [(Int64, [Int64])])
    func slidingSizeNeedNotBeAMultipleOfTheSlide(time: Int64, starts: [Int64]) {
        let windows = WindowAssigner.sliding(sizeMs: 50, slideMs: 20).windows(containing: at(time))
        #expect(windows == starts.map { window($0, $0 + 50) })
    }

    @Test(
        arguments: [(0, [0]), (9, [0]), (10, []), (19, []), (20, [20]), (-15, [-20]), (-5, [])] as [(Int64, [Int64])])
    func slidingWithSlideLongerThanSizeLeavesGaps(time: Int64, starts: [Int64]) {
        let windows = WindowAssigner.sliding(sizeMs: 10, slideMs: 20).windows(containing: at(time))
        #expect(windows == starts.map { window($0, $0 + 10) })
    }

    @Test func slidingWithSlideEqualToSizeIsTumbling() {
        for time: Int64 in [-60_001, -1, 0, 59_999, 60_000, 123_456] {
            let sliding = WindowAssigner.sliding(sizeMs: 60_000, slideMs: 60_000).windows(containing: at(time))
            #expect(sliding == WindowAssigner.tumbling(sizeMs: 60_000).windows(containing: at(time)))
        }
    }

    @Test(arguments: [(60_000, 20_000), (50, 20), (10, 20), (7, 3), (1, 1), (3_600_000, 60_000)] as [(Int64, Int64)])
    func slidingWindowsMatchBruteForceEnumeration(size: Int64, slide: Int64) {
        var generator = SeededGenerator(seed: UInt64(size * 31 + slide))
        for _ in 0..<500 {
            let time = Int64.random(in: -10 * size...10 * size, using: &generator)
            var expected: [Window] = []
            var k = (time - size).floorDivided(by: slide)
            while k * slide <= time {
                if time < k * slide + size { expected.append(window(k * slide, k * slide + size)) }
                k += 1
            }
            let windows = WindowAssigner.sliding(sizeMs: size, slideMs: slide).windows(containing: at(time))
            #expect(windows == expected, "t = \(time)")
        }
    }

    @Test func forEachWindowVisitsInIncreasingStartOrder() {
        var starts: [Int64] = []
        WindowAssigner.sliding(sizeMs: 100, slideMs: 10).forEachWindow(containing: at(55)) {
            starts.append($0.start.millis)
        }
        #expect(starts == [-40, -30, -20, -10, 0, 10, 20, 30, 40, 50])
    }
}

struct WindowTests {
    @Test func windowIsHalfOpen() {
        let w = window(0, 60_000)
        #expect(w.contains(at(0)))
        #expect(w.contains(at(59_999)))
        #expect(!w.contains(at(60_000)))
        #expect(!w.contains(at(-1)))
        #expect(w.maxTimestamp == at(59_999))
    }

    @Test(arguments: [
        (window(0, 10), window(10, 20), true),
        (window(10, 20), window(0, 10), true),
        (window(0, 10), window(11, 20), false),
        (window(11, 20), window(0, 10), false),
        (window(0, 10), window(5, 7), true),
        (window(0, 10), window(9, 30), true),
    ])
    func windowsThatTouchOrOverlapMerge(a: Window, b: Window, merges: Bool) {
        #expect(a.overlapsOrTouches(b) == merges)
    }

    @Test func unionSpansBothWindows() {
        #expect(window(0, 10).union(window(10, 25)) == window(0, 25))
        #expect(window(5, 7).union(window(0, 10)) == window(0, 10))
    }

    @Test func windowsOrderByEndThenStart() {
        let sorted = [window(0, 30), window(10, 20), window(0, 20), window(-5, 40)].sorted()
        #expect(sorted == [window(0, 20), window(10, 20), window(0, 30), window(-5, 40)])
    }
}
