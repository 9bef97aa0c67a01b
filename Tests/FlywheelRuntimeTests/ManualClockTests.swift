import FlywheelRuntime
import FlywheelTesting
import Testing

struct ManualClockTests {
    @Test func sleeperWakesOnlyWhenTheClockPassesItsDeadline() async throws {
        let clock = ManualClock()
        let woke = AsyncStream<Int>.makeStream()
        let task = Task {
            try await clock.sleep(for: .seconds(5))
            woke.continuation.yield(1)
        }
        await clock.waitForSleepers()
        clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        var iterator = woke.stream.makeAsyncIterator()
        #expect(await iterator.next() == 1)
        try await task.value
    }

    @Test func jobClockReportsWallTimeMovingWithTheClock() {
        let clock = ManualClock()
        let job = JobClock(clock, startEpochMillis: 1_700_000_000_000)
        clock.advance(by: .milliseconds(1_500))
        #expect(job.epochMillis() == 1_700_000_001_500)
        #expect(job.elapsed() == .milliseconds(1_500))
    }
}
