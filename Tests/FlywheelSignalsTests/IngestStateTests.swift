import FlywheelEngine
import Testing

@testable import FlywheelSignals

/// A prompt event with id `id` at `ms` after the base time.
private func event(_ id: String, _ ms: Int64, text: String = "t") -> DecodedLine {
    .event(SignalsEvent.prompt(id, at: ms, message: "m-" + id, text: text))
}

private func invalidLine() -> DecodedLine {
    .invalid(ValidationFailure(.missingField, "event_id"), time: .min)
}

private func timeConfig(allowedLatenessMs: Int64 = 0, dedupTTLMs: Int64 = 3_600_000) -> PipelineConfig.Time {
    var time = PipelineConfig.Time()
    time.allowedLatenessMs = allowedLatenessMs
    time.dedupTTLMs = dedupTTLMs
    return time
}

extension IngestOutcome {
    /// The step that decided the line, as a word.
    fileprivate var verdict: String {
        switch self {
        case .accepted: return "accepted"
        case .invalid: return "invalid"
        case .duplicate: return "duplicate"
        case .late: return "late"
        }
    }
}

struct IngestStateTests {
    @Test func watermarkIsMaxEventTimeMinusBoundMinusOneMillisecond() {
        var state = IngestState(time: timeConfig(), partitions: 1)
        #expect(state.watermark == .min)
        _ = state.ingest(event("a", 10_000), partition: 0)
        #expect(state.watermark == signalsTime(10_000 - 5_001))
        _ = state.ingest(event("b", 8_000), partition: 0)
        #expect(state.watermark == signalsTime(10_000 - 5_001))
        _ = state.ingest(event("c", 12_000), partition: 0)
        #expect(state.watermark == signalsTime(12_000 - 5_001))
    }

    @Test func firstCopyWinsAndLaterCopiesAreDropped() throws {
        var state = IngestState(time: timeConfig(), partitions: 1)
        let first = state.ingest(event("e1", 10_000, text: "first"), partition: 0)
        let second = state.ingest(event("e1", 10_000, text: "second"), partition: 0)
        let third = state.ingest(event("e1", 9_000, text: "third"), partition: 0)
        guard case .accepted(let accepted, _) = first else { throw SignalsIngestFailure.notAccepted }
        #expect(accepted.text == "first")
        #expect(second.verdict == "duplicate" && third.verdict == "duplicate")
        #expect(state.counters.duplicatesDropped == 2 && state.counters.eventsAccepted == 1)
    }

    @Test func droppedCopyDoesNotMoveTheWatermark() {
        var state = IngestState(time: timeConfig(), partitions: 1)
        _ = state.ingest(event("e1", 10_000), partition: 0)
        let before = state.watermark
        let copyVerdict = state.ingest(event("e1", 100_000), partition: 0).verdict
        #expect(copyVerdict == "duplicate")
        #expect(state.watermark == before)
        // A later event at 20 s is therefore not late.
        let laterVerdict = state.ingest(event("e2", 20_000), partition: 0).verdict
        #expect(laterVerdict == "accepted")
    }

    /// The id of an event at t = 0 is forgotten exactly when W >= t + dedup_ttl (1 h); a copy after
    /// that is judged as a new event, and is late.
    @Test(
        arguments: [
            (3_605_000, "duplicate"), (3_605_001, "late"), (3_609_000, "late"),
        ] as [(Int64, String)])
    func idIsForgottenExactlyWhenWatermarkReachesTTL(moverMs: Int64, verdict: String) {
        var state = IngestState(time: timeConfig(), partitions: 1)
        _ = state.ingest(event("e1", 0), partition: 0)
        _ = state.ingest(event("mover", moverMs), partition: 0)
        let copyVerdict = state.ingest(event("e1", 0), partition: 0).verdict
        #expect(copyVerdict == verdict)
    }

    @Test func forgottenIdWithLatenessAllowanceIsStillLate() {
        // dedup_ttl must exceed allowed_lateness, so a forgotten id always comes back late.
        var state = IngestState(time: timeConfig(allowedLatenessMs: 59_999, dedupTTLMs: 60_000), partitions: 1)
        _ = state.ingest(event("e1", 0), partition: 0)
        _ = state.ingest(event("mover", 60_000 + 5_001), partition: 0)
        #expect(state.watermark == signalsTime(60_000))
        let copyVerdict = state.ingest(event("e1", 0), partition: 0).verdict
        #expect(copyVerdict == "late")
    }

    /// The first event at 100 s gives W = 94.999 s. Late when t + allowed_lateness <= W.
    @Test(arguments: [
        (lateness: Int64(0), eventMs: Int64(94_999), verdict: "late"),
        (lateness: 0, eventMs: 95_000, verdict: "accepted"),
        (lateness: 0, eventMs: 50_000, verdict: "late"),
        (lateness: 2_000, eventMs: 92_999, verdict: "late"),
        (lateness: 2_000, eventMs: 93_000, verdict: "accepted"),
        (lateness: 2_000, eventMs: 94_999, verdict: "accepted"),
    ])
    func lateExactlyWhenTimestampPlusLatenessReachesWatermark(lateness: Int64, eventMs: Int64, verdict: String) {
        var state = IngestState(time: timeConfig(allowedLatenessMs: lateness), partitions: 1)
        _ = state.ingest(event("first", 100_000), partition: 0)
        #expect(state.watermark == signalsTime(94_999))
        let probeVerdict = state.ingest(event("probe", eventMs), partition: 0).verdict
        #expect(probeVerdict == verdict)
    }

    @Test func lateEventCarriesTheWatermarkAtItsArrival() throws {
        var state = IngestState(time: timeConfig(), partitions: 1)
        _ = state.ingest(event("first", 100_000), partition: 0)
        guard case .late(let late, let watermark) = state.ingest(event("old", 1_000), partition: 0) else {
            throw SignalsIngestFailure.notLate
        }
        #expect(late.eventId == "old" && watermark == signalsTime(94_999))
        #expect(state.watermark == signalsTime(94_999))
    }

    @Test func copyOfALateEventIsADuplicate() {
        var state = IngestState(time: timeConfig(), partitions: 1)
        _ = state.ingest(event("first", 100_000), partition: 0)
        let lateVerdict = state.ingest(event("old", 1_000), partition: 0).verdict
        #expect(lateVerdict == "late")
        let copyVerdict = state.ingest(event("old", 1_000), partition: 0).verdict
        #expect(copyVerdict == "duplicate")
    }

    @Test func invalidLinesDoNotMoveTheWatermark() {
        var state = IngestState(time: timeConfig(), partitions: 1)
        _ = state.ingest(event("a", 10_000), partition: 0)
        let before = state.watermark
        let invalidVerdict = state.ingest(invalidLine(), partition: 0).verdict
        #expect(invalidVerdict == "invalid")
        #expect(state.watermark == before)
    }

    @Test func acceptedEventReportsTheWatermarkBeforeIt() throws {
        var state = IngestState(time: timeConfig(), partitions: 1)
        _ = state.ingest(event("a", 10_000), partition: 0)
        guard case .accepted(_, let before) = state.ingest(event("b", 20_000), partition: 0) else {
            throw SignalsIngestFailure.notAccepted
        }
        #expect(before == signalsTime(4_999))
        #expect(state.watermark == signalsTime(14_999))
    }

    @Test func countersAddUpOverAMixedSequence() {
        var state = IngestState(time: timeConfig(), partitions: 1)
        let lines: [(DecodedLine, String)] = [
            (event("a", 10_000), "accepted"), (invalidLine(), "invalid"), (event("a", 10_000), "duplicate"),
            (event("b", 7_000), "accepted"), (event("c", 30_000), "accepted"), (event("d", 24_999), "late"),
            (event("b", 7_000), "duplicate"), (invalidLine(), "invalid"), (event("e", 25_000), "accepted"),
            (event("f", 1_000), "late"), (invalidLine(), "invalid"), (event("d", 40_000), "duplicate"),
            (event("g", 40_000), "accepted"),
        ]
        for (line, verdict) in lines {
            let actual = state.ingest(line, partition: 0).verdict
            #expect(actual == verdict)
        }
        let counters = state.counters
        #expect(counters.eventsIn == 13)
        #expect(counters.invalidEvents == 3 && counters.duplicatesDropped == 3)
        #expect(counters.lateEvents == 2 && counters.eventsAccepted == 5)
        #expect(counters.isConsistent)
        let sum = counters.invalidEvents + counters.duplicatesDropped + counters.lateEvents + counters.eventsAccepted
        #expect(counters.eventsIn == sum)
    }

    @Test func watermarkIsTheMinimumOverPartitions() {
        var state = IngestState(time: timeConfig(), partitions: 2)
        _ = state.ingest(event("a", 100_000), partition: 0)
        #expect(state.watermark == .min)
        let secondPartitionVerdict = state.ingest(event("b", 10_000), partition: 1).verdict
        #expect(secondPartitionVerdict == "accepted")
        #expect(state.watermark == signalsTime(4_999))
        let moved = state.finish(partition: 1)
        #expect(moved)
        #expect(state.watermark == signalsTime(94_999))
    }

    /// CONTRACT 2: ids are strings; "\u{E9}" and "e\u{301}" are different event_ids (different code
    /// points), so neither is a copy of the other.
    @Test func canonicallyEquivalentButDifferentIdsAreDifferentEvents() {
        var state = IngestState(time: timeConfig(), partitions: 1)
        let composedVerdict = state.ingest(event("caf\u{E9}", 1_000), partition: 0).verdict
        #expect(composedVerdict == "accepted")
        let decomposedVerdict = state.ingest(event("cafe\u{301}", 1_000), partition: 0).verdict
        #expect(decomposedVerdict == "accepted")
        let copyVerdict = state.ingest(event("cafe\u{301}", 1_000), partition: 0).verdict
        #expect(copyVerdict == "duplicate")
    }
}

private enum SignalsIngestFailure: Error {
    case notAccepted, notLate
}
