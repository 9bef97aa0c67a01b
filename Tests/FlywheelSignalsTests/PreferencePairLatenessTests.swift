import FlywheelEngine
import Testing

@testable import FlywheelSignals

private typealias E = SignalsEvent

/// Allowed lateness 30 s, join_ttl 10 s.
let pairLatenessConfig: PipelineConfig = {
    var config = PipelineConfig.default
    config.time.allowedLatenessMs = 30_000
    config.signals.joinTTLMs = 10_000
    return config
}()

/// A filler prompt in another conversation that moves W to `watermarkMs` (W = t - 5001 ms).
private func filler(_ id: String, watermarkMs: Int64) -> ChatEvent {
    E.prompt(id, at: watermarkMs + 5_001, conv: "filler", message: id, text: "filler")
}

/// Accepted events arriving at or behind W (allowed lateness) reach the pair operator at the next
/// advance of W, in event-time order with what that advance releases (CONTRACT 2, v1.1), whatever
/// watermark steps a shard happens to see.
struct PreferencePairLatenessTests {
    /// Golden example 07, part C: the feedback (10 s) and the response it rates (5 s) both arrive
    /// late; released together, response first, the pair is completed by the feedback.
    @Test(arguments: [1, 2, 3, 100])
    func lateEventsAreReleasedTogetherInEventTimeOrder(batchSize: Int) throws {
        let events: [ChatEvent] = [
            E.prompt("c1", at: 0, conv: "cP", message: "pP", text: "which is better?"),
            E.response("c2", at: 1_000, conv: "cP", message: "rPB", parent: "pP", text: "B"),
            E.feedback("c3", at: 2_000, conv: "cP", on: "rPB", .down),
            filler("c4", watermarkMs: 14_999),
            E.feedback("c5", at: 10_000, conv: "cP", on: "rPA", .up),
            E.response("c6", at: 5_000, conv: "cP", message: "rPA", parent: "pP", text: "A"),
        ]
        let harness = SignalsShardHarness.run(events, config: pairLatenessConfig, batchSize: batchSize)
        let pairs = try harness.objects(.preferencePair).map { "\($0.string("pair_id")!) \($0.string("timestamp")!)" }
        #expect(pairs == ["rPA:rPB \(signalsStamp(10_000))"])
    }

    /// Input elements 1-12; W steps after elements 4 (14.999 s), 9 (15.999 s) and 11 (34.999 s).
    static let scenario: [ChatEvent] = [
        E.prompt("e01", at: 0, message: "p", text: "Q"),
        E.response("e02", at: 1_000, message: "a", parent: "p", text: "A"),
        E.choice("e03", at: 2_000, chosen: "a", rejected: "x"),  // waits for x; deadline 12 s
        filler("e04", watermarkMs: 14_999),  // the deadline passes: a dead letter
        E.response("e05", at: 2_500, message: "x", parent: "p", text: "X"),  // late: too late for a:x
        E.response("e06", at: 3_000, message: "b", parent: "p", text: "B"),  // late
        E.feedback("e07", at: 4_000, on: "a", .up),  // late
        E.feedback("e08", at: 3_500, on: "b", .down),  // late, before e07 in event time
        filler("e09", watermarkMs: 15_999),  // releases e05-e08: a:b completed by e07 at 4 s
        E.choice("e10", at: 1_500, chosen: "y", rejected: "z"),  // late, its deadline already passed
        filler("e11", watermarkMs: 34_999),  // releases e10: a dead letter dated by this element
        E.feedback("e12", at: 40_000, on: "b", .up),  // on time
    ]

    /// Feeds the scenario to one operator that owns conversation c1 (and the fillers when
    /// `ownsFillers`), advancing before each owned event to the W it arrived with, and after the
    /// input elements `stepsSeen` says, then to +infinity.
    private static func drive(ownsFillers: Bool, stepsSeen: (Int) -> Bool) -> [SignalRecord] {
        var ingest = IngestState(time: pairLatenessConfig.time, partitions: 1)
        var trail = WatermarkTrail()
        var arrivals: [(event: ChatEvent, before: EventTime, after: EventTime)] = []
        for (index, event) in scenario.enumerated() {
            guard case .accepted(let accepted, let before) = ingest.ingest(.event(event), partition: 0) else {
                Issue.record("\(event.eventId) was not accepted")
                return []
            }
            if ingest.watermark != before { trail.append(sequence: Int64(index + 1), watermark: ingest.watermark) }
            arrivals.append((accepted, before, ingest.watermark))
        }
        trail.append(sequence: Int64(scenario.count), watermark: .max)
        var pairs = PreferencePairOperator(config: pairLatenessConfig, sourceNames: ["in"])
        var out: [SignalRecord] = []
        for (index, arrival) in arrivals.enumerated() {
            if ownsFillers || arrival.event.conversationId == "c1" {
                pairs.advance(to: arrival.before, trail: trail, into: &out)
                pairs.add(arrival.event, sequence: Int64(index + 1))
            }
            if stepsSeen(index + 1) { pairs.advance(to: arrival.after, trail: trail, into: &out) }
        }
        pairs.advance(to: .max, trail: trail, into: &out)
        return signalsFileOrder(out)
    }

    @Test func lateEventsWaitForTheNextStepAndComeAfterDeadlinesAlreadyDue() throws {
        let records = Self.drive(ownsFillers: true) { _ in true }
        let pairs = try records.filter { $0.kind == .preferencePair }.map(SignalsJSON.init)
        #expect(pairs.map { "\($0.string("pair_id")!) \($0.string("timestamp")!)" } == ["a:b \(signalsStamp(4_000))"])
        let letters = records.filter { $0.kind == .deadLetter }
        let details = try letters.map { try SignalsJSON($0).string("detail") }
        #expect(details == ["choice pair a:x misses texts", "choice pair y:z misses texts"])
        // Dated by the input element after which each arose: 4 moved W past a:x's deadline, 11 released e10.
        #expect(letters.map(\.key.first) == [4, 11])
    }

    /// Every step, only the steps a shard sees at its own events, or batch ends of 2, 3 or 5
    /// elements: the same records with the same sort keys.
    @Test(arguments: [0, 1, 2, 3, 5])
    func outputDoesNotDependOnWhichStepsTheOperatorSees(batch: Int) {
        let everyStep = Self.drive(ownsFillers: true) { _ in true }
        let seen =
            batch == 0
            ? Self.drive(ownsFillers: false) { _ in false }
            : Self.drive(ownsFillers: batch.isMultiple(of: 2)) { $0.isMultiple(of: batch) }
        #expect(seen.map(\.line) == everyStep.map(\.line))
        #expect(seen.map(\.key) == everyStep.map(\.key))
    }
}
