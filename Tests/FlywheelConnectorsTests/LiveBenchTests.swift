import FlywheelSignals
import Testing

@testable import FlywheelConnectors

/// The pieces of `flywheel bench run` and `flywheel bench latency` that decide their figures.
struct LiveBenchTests {
    @Test func percentilesAreNearestRank() {
        let samples: [Int64] = Array(1...200)
        #expect(Percentiles.value(0.5, of: samples) == 100)
        #expect(Percentiles.value(0.99, of: samples) == 198)
        #expect(Percentiles.value(0.99, of: [7]) == 7)
        #expect(Percentiles.value(0.5, of: []) == nil)
        #expect(Percentiles.summary([]) == "no samples")
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"), (1_795_000_000_123, "2026-11-18T11:06:40.123Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"), (-1, "1969-12-31T23:59:59.999Z"),
    ])
    func wallClockStampsAreRFC3339(millis: Int64, text: String) {
        #expect(String(decoding: SteadyProducer.rfc3339(millis: millis), as: UTF8.self) == text)
    }

    @Test func theProducerOverwritesOnlyTheTimestampField() {
        var line = Array(#"{"event_id":"e1","timestamp":"2026-11-18T11:06:42.236Z","text":"timestamp"}"#.utf8)
        SteadyProducer.overwriteTimestamp(in: &line, with: SteadyProducer.rfc3339(millis: 0))
        #expect(
            String(decoding: line, as: UTF8.self)
                == #"{"event_id":"e1","timestamp":"1970-01-01T00:00:00.000Z","text":"timestamp"}"#)
        var seconds = Array(#"{"timestamp":"2026-11-18t11:06:42z","type":"prompt"}"#.utf8)
        SteadyProducer.overwriteTimestamp(in: &seconds, with: SteadyProducer.rfc3339(millis: 0))
        #expect(
            String(decoding: seconds, as: UTF8.self) == #"{"timestamp":"1970-01-01T00:00:00.000Z","type":"prompt"}"#)
        var offset = Array(#"{"timestamp":"2026-11-18T03:06:40.000-08:00"}"#.utf8)
        let before = offset
        SteadyProducer.overwriteTimestamp(in: &offset, with: SteadyProducer.rfc3339(millis: 0))
        #expect(offset == before, "a timestamp with an offset is left alone")
    }

    @Test func reportRatiosAreReplayTimeOverRunTime() {
        let report = LiveBenchReport(
            events: 1_000_000, partitions: 1, idleTimeoutMs: 100,
            rounds: [
                LiveBenchRound(
                    replaySeconds: 1.0, readSeconds: 0.9, drainSeconds: 1.25, replayRecords: 5, liveRecords: 5),
                LiveBenchRound(
                    replaySeconds: 1.2, readSeconds: 1.0, drainSeconds: 1.2, replayRecords: 5, liveRecords: 4),
                LiveBenchRound(
                    replaySeconds: 0.9, readSeconds: 0.8, drainSeconds: 1.0, replayRecords: 5, liveRecords: 5),
            ])
        let text = report.text
        #expect(text.contains("run / replay                 90.0 %"), "\(text)")
        #expect(text.contains("replay (topic:events)        1.000 s  1000000 events/s  (median of 3)"), "\(text)")
        #expect(text.contains("(records: replay 5, run 4)"), "\(text)")
    }
}
