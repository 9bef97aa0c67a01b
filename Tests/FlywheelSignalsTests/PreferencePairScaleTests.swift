import FlywheelEngine
import Testing

@testable import FlywheelSignals

/// The pair operator on long conversations (its work per event must not grow with the
/// conversation's history: see README, Performance) and against a straightforward model of the
/// rules. Tests assert output, never time.
struct PreferencePairScaleTests {
    private static func run(_ lines: [String], config: PipelineConfig = .default, batchSize: Int = 64)
        -> SignalsShardHarness
    {
        var harness = SignalsShardHarness(config: config, batchSize: batchSize)
        var decoder = EventDecoder(maxEventBytes: 1 << 20)
        for line in lines { harness.feed(decoder.decode(line)) }
        harness.finish()
        return harness
    }

    @Test(arguments: [2, 3, 41, 160])
    func alternatingRatingsPairEveryUpWithEveryDown(responses: Int) throws {
        let harness = Self.run(PairStressLog.alternatingRatings(responses: responses))
        let pairs = try harness.objects(.preferencePair)
        #expect(pairs.count == PairStressLog.expectedPairs(responses: responses))
        #expect(Set(pairs.compactMap { $0.string("pair_id") }).count == pairs.count)
        #expect(pairs.allSatisfy { $0.string("source") == "feedback" })
        #expect(harness.records(.deadLetter).isEmpty)
    }

    @Test func alternatingRatingsMatchTheModel() throws {
        let lines = PairStressLog.alternatingRatings(responses: 30)
        var decoder = EventDecoder(maxEventBytes: 1 << 20)
        var model = PairReferenceModel()
        for line in lines { if case .event(let event) = decoder.decode(line) { model.apply(event) } }
        #expect(try Self.pairLines(Self.run(lines)) == model.pairs)
    }

    @Test func aLongSingleConversationGivesOnePairPerTurn() throws {
        let events = 5_000
        let harness = Self.run(PairStressLog.singleConversation(events: events), batchSize: 256)
        let pairs = try harness.objects(.preferencePair)
        #expect(pairs.count == PairStressLog.expectedPairs(singleConversationEvents: events))
        #expect(Set(pairs.compactMap { $0.string("source") }) == ["feedback", "choice", "regenerate"])
        #expect(harness.records(.deadLetter).isEmpty)
    }

    /// Random conversations, small (ids searched linearly) and large (past the index threshold).
    @Test(arguments: [
        (seed: UInt64(1), responses: 4), (seed: 2, responses: 6), (seed: 3, responses: 40), (seed: 4, responses: 60),
        (seed: 5, responses: 40), (seed: 6, responses: 9),
    ])
    func randomConversationsMatchTheModel(seed: UInt64, responses: Int) throws {
        let events = PairReferenceModel.randomConversation(seed: seed, events: 400, prompts: 3, responses: responses)
        var model = PairReferenceModel()
        for event in events { model.apply(event) }
        let harness = SignalsShardHarness.run(events, batchSize: 7)
        #expect(try Self.pairLines(harness) == model.pairs)
        let details = try harness.objects(.deadLetter).compactMap { $0.string("detail") }
        #expect(details == model.unresolvedDetails)
        #expect(!model.pairs.isEmpty)
    }

    /// Two ids make one claimed pair whatever they contain: ("a:b", "c") and ("a", "b:c") are two
    /// message pairs (both with pair_id "a:b:c"), so both are emitted.
    @Test func idsWithColonsAreTwoDifferentPairs() throws {
        typealias E = SignalsEvent
        let events: [ChatEvent] = [
            E.prompt("e1", at: 0, message: "p", text: "Q"),
            E.response("e2", at: 100, message: "a", parent: "p", text: "A"),
            E.response("e3", at: 200, message: "b:c", parent: "p", text: "BC"),
            E.response("e4", at: 300, message: "a:b", parent: "p", text: "AB"),
            E.response("e5", at: 400, message: "c", parent: "p", text: "C"),
            E.choice("e6", at: 500, chosen: "a", rejected: "b:c"),
            E.choice("e7", at: 600, chosen: "a:b", rejected: "c"),
        ]
        let pairs = try SignalsShardHarness.run(events).objects(.preferencePair)
        #expect(pairs.map { "\($0.string("pair_id") ?? "") \($0.string("chosen") ?? "")" } == ["a:b:c A", "a:b:c AB"])
    }

    static func pairLines(_ harness: SignalsShardHarness) throws -> [String] {
        try harness.objects(.preferencePair).map {
            "\($0.string("pair_id") ?? "?") \($0.string("source") ?? "?") \($0.string("timestamp") ?? "?")"
        }
    }
}
