import Testing

@testable import FlywheelInspect

/// Reference values from SciPy 1.17 (norm.ppf, mannwhitneyu asymptotic with continuity) and the textbook
/// formulas (Wilson 1927, Newcombe 1998 method 10).
struct StatisticsTests {
    @Test func wilsonIntervalForEightOfTen() throws {
        let interval = try #require(Proportion.wilson(successes: 8, trials: 10))
        #expect(abs(interval.low - 0.490_162_471_536_641_83) < 1e-12)
        #expect(abs(interval.high - 0.943_317_848_545_624_7) < 1e-12)
    }

    @Test(arguments: [
        (0, 10, 0.0, 0.277_533_7), (10, 10, 0.722_466_3, 1.0), (1, 1, 0.206_549_3, 1.0),
    ])
    func wilsonIntervalStaysInsideZeroOne(successes: Int64, trials: Int64, low: Double, high: Double) throws {
        let interval = try #require(Proportion.wilson(successes: successes, trials: trials))
        #expect(abs(interval.low - low) < 1e-6)
        #expect(abs(interval.high - high) < 1e-6)
    }

    @Test func wilsonIntervalNeedsTrials() {
        #expect(Proportion.wilson(successes: 0, trials: 0) == nil)
    }

    @Test func twoProportionTestOnFixedCounts() throws {
        let test = try #require(
            Proportion.twoProportionTest(successesA: 45, trialsA: 100, successesB: 60, trialsB: 100))
        #expect(abs(test.difference - 0.15) < 1e-12)
        #expect(abs(test.z - 2.123_976_976_214_365_7) < 1e-9)
        #expect(abs(test.pValue - 0.033_672_068_856_345_855) < 1e-9)
        #expect(abs(test.interval.low - 0.011_723_935_319_973_455) < 1e-9)
        #expect(abs(test.interval.high - 0.280_448_521_010_763_7) < 1e-9)
    }

    @Test func twoProportionTestWithoutVarianceIsNotSignificant() throws {
        let test = try #require(Proportion.twoProportionTest(successesA: 10, trialsA: 10, successesB: 5, trialsB: 5))
        #expect(test.z == 0)
        #expect(test.pValue == 1)
    }

    @Test func mannWhitneyMatchesSciPy() throws {
        let separated = try #require(RankTest.mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]))
        #expect(separated.uB == 25)
        #expect(abs(separated.pValue - 0.012_185_780_355_344_813) < 1e-9)
        #expect(separated.z > 0)
        let tied = try #require(RankTest.mannWhitney([1, 2, 2, 3, 4], [2, 3, 5, 5, 6, 7]))
        #expect(tied.uB == 25.5)
        #expect(abs(tied.pValue - 0.064_146_618_734_404_37) < 1e-9)
    }

    @Test func mannWhitneyOfIdenticalSamplesIsNotSignificant() throws {
        let result = try #require(RankTest.mannWhitney([3, 3, 3], [3, 3]))
        #expect(result.pValue == 1)
    }

    @Test func bootstrapIsDeterministicAndCoversTheShift() throws {
        let a = (0..<40).map { Double($0 % 10) }
        let b = a.map { $0 + 5 }
        let mean: ([Double]) -> ([Int]) -> Double? = { values in
            { counts in
                let n = counts.reduce(0, +)
                return zip(values, counts).reduce(0) { $0 + $1.0 * Double($1.1) } / Double(n)
            }
        }
        let bootstrap = Bootstrap(resamples: 500, seed: 7)
        let first = try #require(
            bootstrap.differenceInterval(unitsA: 40, unitsB: 40, statisticA: mean(a), statisticB: mean(b)))
        let second = bootstrap.differenceInterval(unitsA: 40, unitsB: 40, statisticA: mean(a), statisticB: mean(b))
        #expect(first == second)
        #expect(first.contains(5))
        #expect(first.low > 3 && first.high < 7)
    }
}
