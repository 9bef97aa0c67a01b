import Testing

@testable import FlywheelConnectors

struct BenchReportTests {
    private func report(_ runs: [Double]) -> BenchReport {
        BenchReport(
            events: 1_000_000, logBytes: 0, generateSeconds: 0, decodeSeconds: 0.4, processSeconds: 1.2,
            replayRuns: runs, peakRSSBytes: 0)
    }

    @Test func replayTimeIsTheMedianOfTheRuns() {
        #expect(report([1.3, 0.9, 1.0]).replaySeconds == 1.0)
        #expect(report([1.4, 0.9, 1.0, 1.2]).replaySeconds == 1.1)
        #expect(report([0.8]).replaySeconds == 0.8)
    }

    @Test func textShowsTheMedianRateAndEveryRun() {
        let text = report([1.25, 0.5, 1.0]).text
        #expect(text.contains("full replay           1.00 s  1000000 events/s  (median of 3 runs: 1.25, 0.50, 1.00 s)"))
        #expect(!report([1.0]).text.contains("median of"))
    }
}
