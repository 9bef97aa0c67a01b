import Testing

@testable import FlywheelEngine

struct EventTimeTests {
    @Test(
        arguments: [
            (0, 5, 5),
            (10, -15, -5),
            (Int64.max - 1, 1, Int64.max),
            (Int64.max - 1, 2, Int64.max),
            (Int64.max, 1, Int64.max),
            (Int64.min + 1, -1, Int64.min),
            (Int64.min + 1, -2, Int64.min),
            (Int64.min, -1, Int64.min),
        ] as [(Int64, Int64, Int64)])
    func addingSaturatesAtTheInfinities(start: Int64, delta: Int64, result: Int64) {
        #expect(at(start).adding(delta).millis == result)
    }

    @Test func infinitiesBoundEveryTime() {
        #expect(EventTime.min < at(Int64.min + 1))
        #expect(at(Int64.max - 1) < EventTime.max)
        #expect(at(-1) < at(0))
    }

    @Test(
        arguments: [
            (7, 2, 3),
            (-7, 2, -4),
            (-8, 2, -4),
            (-1, 60_000, -1),
            (0, 60_000, 0),
            (7, -2, -4),
            (-7, -2, 3),
        ] as [(Int64, Int64, Int64)])
    func floorDivisionRoundsTowardMinusInfinity(value: Int64, divisor: Int64, quotient: Int64) {
        #expect(value.floorDivided(by: divisor) == quotient)
    }
}
