import FlywheelEngine
import Testing

@testable import FlywheelSignals

private typealias E = SignalsEvent

/// Prompt p1 with responses a (model m-a) and b (model m-b) in conversation c1, at 0, 100 and 200 ms.
private let promptAndTwoAnswers: [ChatEvent] = [
    E.prompt("e-p1", at: 0, message: "p1", text: "Question?"),
    E.response("e-a", at: 100, message: "a", parent: "p1", model: "m-a", text: "Answer A"),
    E.response("e-b", at: 200, message: "b", parent: "p1", model: "m-b", text: "Answer B"),
]

private let halfHour: Int64 = 1_800_000

/// The pairs of a replay of `events` in file order, as (pair_id, source, timestamp).
private func pairs(_ events: [ChatEvent], batchSize: Int = 1) throws -> [String] {
    let harness = SignalsShardHarness.run(events, batchSize: batchSize)
    return try harness.objects(.preferencePair).map {
        "\($0.string("pair_id") ?? "?") \($0.string("source") ?? "?") \($0.string("timestamp") ?? "?")"
    }
}

private func unresolved(_ harness: SignalsShardHarness) throws -> [SignalsJSON] {
    try harness.objects(.deadLetter).filter { $0.string("reason") == "unresolved_reference" }
}

/// Filler prompts in another conversation that move W to `watermarkMs` (W = t - 5001 ms).
private func moveWatermark(to watermarkMs: Int64, id: String) -> ChatEvent {
    E.prompt(id, at: watermarkMs + 5_001, conv: "filler", message: id, text: "filler")
}

struct PreferencePairTests {
    @Test func choiceEmitsOnePairWithEveryField() throws {
        let events = promptAndTwoAnswers + [E.choice("e-choice", at: 1_000, chosen: "a", rejected: "b")]
        let harness = SignalsShardHarness.run(events)
        let pair = try #require(try harness.objects(.preferencePair).first)
        #expect(try harness.objects(.preferencePair).count == 1)
        #expect(pair.string("signal") == "preference_pair")
        #expect(pair.string("pair_id") == "a:b")
        #expect(pair.string("conversation_id") == "c1")
        #expect(pair.string("source") == "choice")
        #expect(pair.string("prompt") == "Question?")
        #expect(pair.string("chosen") == "Answer A" && pair.string("rejected") == "Answer B")
        #expect(pair.string("chosen_model") == "m-a" && pair.string("rejected_model") == "m-b")
        #expect(pair.string("timestamp") == signalsStamp(1_000))
        let expectedKeys: Set = [
            "signal", "pair_id", "conversation_id", "source", "prompt", "chosen", "rejected", "chosen_model",
            "rejected_model", "timestamp",
        ]
        #expect(pair.keys == expectedKeys)
        #expect(try unresolved(harness).isEmpty)
    }

    @Test(arguments: [
        (first: "up", second: "down"), (first: "down", second: "up"),
    ])
    func feedbackUpOnAAndDownOnBPairsAtTheCompletingEvent(first: String, second: String) throws {
        let ratingA = Rating(rawValue: first)!
        let ratingB = ratingA == .up ? Rating.down : .up
        let feedbackA = E.feedback("e-fa", at: 1_000, on: "a", ratingA)
        let feedbackB = E.feedback("e-fb", at: 2_000, on: "b", ratingB)
        let result = try pairs(promptAndTwoAnswers + [feedbackA, feedbackB])
        let expected = ratingA == .up ? "a:b" : "b:a"
        #expect(result == ["\(expected) feedback \(signalsStamp(2_000))"])
    }

    @Test func latestRatingCountsAndAPairIsNeverRetracted() throws {
        let events =
            promptAndTwoAnswers + [
                E.feedback("f1", at: 1_000, on: "a", .up),
                E.feedback("f2", at: 2_000, on: "a", .down),
                E.feedback("f3", at: 3_000, on: "b", .down),  // a is down now: no pair
                E.feedback("f4", at: 4_000, on: "a", .up),  // a up, b down: a:b
                E.feedback("f5", at: 5_000, on: "b", .up),  // a:b stays
                E.feedback("f6", at: 6_000, on: "a", .down),  // b up, a down: the reverse pair
                E.feedback("f7", at: 7_000, on: "a", .up),
                E.feedback("f8", at: 8_000, on: "b", .down),  // a:b again: not a second pair
            ]
        #expect(
            try pairs(events) == [
                "a:b feedback \(signalsStamp(4_000))", "b:a feedback \(signalsStamp(6_000))",
            ])
    }

    @Test func choiceBeforeItsResponsesWaitsForTheTexts() throws {
        let events: [ChatEvent] = [
            E.choice("e-choice", at: 0, chosen: "a", rejected: "b"),
            E.prompt("e-p1", at: 100, message: "p1", text: "Question?"),
            E.response("e-b", at: 200, message: "b", parent: "p1", model: "m-b", text: "Answer B"),
            E.response("e-a", at: 300, message: "a", parent: "p1", model: "m-a", text: "Answer A"),
        ]
        let harness = SignalsShardHarness.run(events)
        let pair = try #require(try harness.objects(.preferencePair).first)
        #expect(try harness.objects(.preferencePair).count == 1)
        #expect(pair.string("source") == "choice")
        #expect(pair.string("timestamp") == signalsStamp(300))
        #expect(pair.string("chosen") == "Answer A" && pair.string("prompt") == "Question?")
        #expect(try unresolved(harness).isEmpty)
    }

    @Test func latestResponseWithARepeatedMessageIdWins() throws {
        let events =
            promptAndTwoAnswers + [
                E.response("e-a2", at: 300, message: "a", parent: "p1", model: "m-a2", text: "Answer A, revised"),
                E.choice("e-choice", at: 1_000, chosen: "a", rejected: "b"),
            ]
        let pair = try #require(try SignalsShardHarness.run(events).objects(.preferencePair).first)
        #expect(pair.string("chosen") == "Answer A, revised" && pair.string("chosen_model") == "m-a2")
    }

    /// A message id is one message, the latest event with it (CONTRACT 3.2): a prompt that reuses a
    /// response's id makes it a response no longer, so neither rule pairs it.
    @Test func aPromptReusingAResponsesIdEndsThatResponse() throws {
        let events =
            promptAndTwoAnswers + [
                E.prompt("e-pa", at: 300, message: "a", text: "Now a prompt"),
                E.feedback("e-fa", at: 1_000, on: "a", .up),
                E.feedback("e-fb", at: 2_000, on: "b", .down),
                E.choice("e-choice", at: 3_000, chosen: "a", rejected: "b"),
            ]
        let harness = SignalsShardHarness.run(events)
        #expect(try harness.objects(.preferencePair).isEmpty)
        #expect(try unresolved(harness).count == 1)
    }

    /// ... and a response that reuses a prompt's id makes it a prompt no longer: its answers have no
    /// prompt text until a prompt with that id comes again.
    @Test func aResponseReusingAPromptsIdEndsThatPrompt() throws {
        let events =
            promptAndTwoAnswers + [
                E.response("e-p1r", at: 300, message: "p1", parent: "p0", model: "m-p", text: "Now a response"),
                E.choice("e-choice", at: 1_000, chosen: "a", rejected: "b"),
                E.prompt("e-p1again", at: 2_000, message: "p1", text: "Asked again"),
            ]
        let result = try SignalsShardHarness.run(events).objects(.preferencePair)
        #expect(result.map { $0.string("prompt") } == ["Asked again"])
        #expect(result.map { $0.string("timestamp") } == [signalsStamp(2_000)])
    }

    /// Events at the same time are taken in code-point order of their ids (CONTRACT 1 and 2, v1.1),
    /// whatever their arrival order: "e" + U+0301 before U+00E9, so the choice claims the pair first.
    @Test(arguments: [false, true])
    func sameTimeEventsWithCanonicallyEquivalentIdsGoByCodePoints(choiceFirst: Bool) throws {
        let feedback = E.feedback("x\u{E9}", at: 1_000, on: "a", .up)
        let choice = E.choice("xe\u{301}", at: 1_000, chosen: "a", rejected: "b")
        let events =
            promptAndTwoAnswers + [E.feedback("e-fb", at: 500, on: "b", .down)]
            + (choiceFirst ? [choice, feedback] : [feedback, choice])
        #expect(try pairs(events) == ["a:b choice \(signalsStamp(1_000))"])
    }

    /// A choice at 0 whose rejected response never comes: deadline D = join_ttl = 30 min.
    @Test(arguments: [
        (watermarkMs: halfHour - 1, deadLetters: 0), (watermarkMs: halfHour, deadLetters: 1),
        (watermarkMs: 3 * halfHour, deadLetters: 1),
    ])
    func unresolvedChoiceBecomesOneDeadLetterExactlyAtItsDeadline(watermarkMs: Int64, deadLetters: Int) throws {
        var harness = SignalsShardHarness()
        harness.feed(Array(promptAndTwoAnswers.prefix(2)))
        harness.feed([E.choice("e-choice", at: 1_000, chosen: "a", rejected: "b")])
        harness.feed([moveWatermark(to: 1_000 + watermarkMs, id: "move")])
        #expect(harness.ingest.watermark == signalsTime(1_000 + watermarkMs))
        #expect(try unresolved(harness).count == deadLetters)
        harness.finish()
        let letters = try unresolved(harness)
        #expect(letters.count == 1)
        #expect(try harness.objects(.preferencePair).isEmpty)
        let letter = try #require(letters.first)
        #expect(letter.string("signal") == "dead_letter" && letter.string("source") == "input.jsonl")
        #expect(letter.has("detail") && letter.has("position") && letter.has("raw"))
    }

    @Test func responseExactlyAtTheDeadlineStillCompletesThePair() throws {
        var harness = SignalsShardHarness()
        harness.feed(Array(promptAndTwoAnswers.prefix(2)))
        harness.feed([E.choice("e-choice", at: 1_000, chosen: "a", rejected: "b")])
        harness.feed([E.response("e-b", at: 1_000 + halfHour, message: "b", parent: "p1", text: "Answer B")])
        harness.feed([moveWatermark(to: 1_000 + halfHour, id: "move")])
        let result = try harness.objects(.preferencePair).map { $0.string("timestamp") }
        #expect(result == [signalsStamp(1_000 + halfHour)])
        harness.finish()
        #expect(try unresolved(harness).isEmpty)
    }

    @Test func responseOneMillisecondAfterTheDeadlineIsTooLate() throws {
        let events =
            Array(promptAndTwoAnswers.prefix(2)) + [
                E.choice("e-choice", at: 1_000, chosen: "a", rejected: "b"),
                E.response("e-b", at: 1_001 + halfHour, message: "b", parent: "p1", text: "Answer B"),
            ]
        let harness = SignalsShardHarness.run(events)
        #expect(try harness.objects(.preferencePair).isEmpty)
        #expect(try unresolved(harness).count == 1)
    }

    @Test func deadlineOutcomeDoesNotDependOnHowFarTheWatermarkJumps() {
        // Direct drive: the watermark goes from before the choice straight to +infinity.
        let config = PipelineConfig.default
        var pairs = PreferencePairOperator(config: config, sourceNames: ["in"])
        var out: [SignalRecord] = []
        for event in Array(promptAndTwoAnswers.prefix(2)) + [
            E.choice("e-choice", at: 1_000, chosen: "a", rejected: "b"),
            E.response("e-b", at: 1_000 + halfHour, message: "b", parent: "p1", text: "Answer B"),
        ] {
            pairs.add(event)
        }
        pairs.advance(to: .max, trail: WatermarkTrail(), into: &out)
        #expect(out.map(\.kind) == [.preferencePair])
    }

    /// An event id forgotten by de-duplication can come again on another event (CONTRACT 2): two rule
    /// events with one id are two events, each with its own deadline and its own dead letter.
    @Test func twoRuleEventsWithOneIdGetADeadLetterEach() throws {
        var pairs = PreferencePairOperator(config: .default, sourceNames: ["in"])
        pairs.add(E.choice("same-id", at: 1_000, chosen: "a", rejected: "b"))
        pairs.add(E.choice("same-id", at: 2_000, chosen: "c", rejected: "d"))
        var out: [SignalRecord] = []
        // Past the first deadline only: the second choice's pair still waits.
        pairs.advance(to: signalsTime(1_000 + halfHour), trail: WatermarkTrail(), into: &out)
        #expect(out.map(\.kind) == [.deadLetter])
        pairs.advance(to: .max, trail: WatermarkTrail(), into: &out)
        #expect(out.map(\.kind) == [.deadLetter, .deadLetter])
        let details = try out.map { try SignalsJSON($0).string("detail") ?? "" }
        #expect(details[0].contains("a:b") && details[1].contains("c:d"), "\(details)")
    }

    /// A shard sees only some of the watermark's steps (which ones depends on the parallelism and
    /// batch size): whether a quiet conversation's state is dropped before a later event must not.
    @Test(arguments: [[Int64](), [2 * 2 * halfHour + 5_000], [2 * halfHour, 4 * halfHour + 9_000]])
    func stateTTLOutcomeDoesNotDependOnTheWatermarkSteps(steps: [Int64]) {
        var pairs = PreferencePairOperator(config: PipelineConfig.default, sourceNames: ["in"])
        var out: [SignalRecord] = []
        for event in promptAndTwoAnswers { pairs.add(event) }
        // state_ttl (2 h) after the last response (200 ms), then a choice 10 s later.
        pairs.add(E.choice("e-late-choice", at: 4 * halfHour + 10_200, chosen: "a", rejected: "b"))
        for step in steps { pairs.advance(to: signalsTime(step), trail: WatermarkTrail(), into: &out) }
        pairs.advance(to: .max, trail: WatermarkTrail(), into: &out)
        #expect(out.map(\.kind) == [.deadLetter])
        #expect(pairs.conversations.isEmpty)
    }

    @Test func deadLetterCarriesTheOriginOfTheEventThatMadeTheRuleHold() throws {
        var pairs = PreferencePairOperator(config: .default, sourceNames: ["first.jsonl", "second.jsonl"])
        var choice = E.choice("e-choice", at: 1_000, chosen: "a", rejected: "b")
        choice.origin = EventOrigin(partition: 1, position: 7, raw: "RAW LINE")
        pairs.add(choice)
        var out: [SignalRecord] = []
        pairs.advance(to: signalsTime(1_000 + halfHour - 1), trail: WatermarkTrail(), into: &out)
        #expect(out.isEmpty)
        pairs.advance(to: signalsTime(1_000 + halfHour), trail: WatermarkTrail(), into: &out)
        let letter = try SignalsJSON(try #require(out.first))
        #expect(out.count == 1 && out.first?.isUnresolvedReference == true)
        #expect(letter.string("reason") == "unresolved_reference")
        #expect(letter.string("source") == "second.jsonl" && letter.int("position") == 7)
        #expect(letter.string("raw") == "RAW LINE")
    }

    @Test func oneDeadLetterPerEventHoweverManyPairsItLeftWaiting() throws {
        // No prompt text ever: the up on a makes a:b and a:c hold, both waiting on one event.
        let events: [ChatEvent] = [
            E.response("e-a", at: 100, message: "a", parent: "p1", text: "A"),
            E.response("e-b", at: 200, message: "b", parent: "p1", text: "B"),
            E.response("e-c", at: 300, message: "c", parent: "p1", text: "C"),
            E.feedback("f-b", at: 400, on: "b", .down),
            E.feedback("f-c", at: 500, on: "c", .down),
            E.feedback("f-a", at: 600, on: "a", .up),
        ]
        let harness = SignalsShardHarness.run(events)
        let letters = try unresolved(harness)
        #expect(letters.count == 1)
        #expect(try harness.objects(.preferencePair).isEmpty)
    }

    @Test func regenerateThenUpOnTheNewAnswerPairsNewOverOld() throws {
        let events: [ChatEvent] = [
            E.prompt("e-p1", at: 0, message: "p1", text: "Question?"),
            E.response("e-a", at: 100, message: "a", parent: "p1", text: "First try"),
            E.regenerate("e-regen", at: 200, of: "a"),
            E.response("e-b", at: 300, message: "b", parent: "p1", text: "Second try"),
            E.feedback("e-up", at: 400, on: "b", .up),
        ]
        let harness = SignalsShardHarness.run(events)
        let pair = try #require(try harness.objects(.preferencePair).first)
        #expect(try harness.objects(.preferencePair).count == 1)
        #expect(pair.string("pair_id") == "b:a" && pair.string("source") == "regenerate")
        #expect(pair.string("chosen") == "Second try" && pair.string("rejected") == "First try")
        #expect(pair.string("timestamp") == signalsStamp(400))
    }

    @Test func regenerateAfterTheUpAlsoHolds() throws {
        let events =
            promptAndTwoAnswers + [
                E.feedback("e-up", at: 400, on: "a", .up),
                E.regenerate("e-regen", at: 500, of: "b"),
            ]
        #expect(try pairs(events) == ["a:b regenerate \(signalsStamp(500))"])
    }

    @Test func firstRuleToHoldNamesTheSourceAndNoSecondPairFollows() throws {
        let events =
            promptAndTwoAnswers + [
                E.feedback("e-up", at: 400, on: "a", .up),
                E.regenerate("e-regen", at: 500, of: "b"),
                E.feedback("e-down", at: 600, on: "b", .down),
                E.choice("e-choice", at: 700, chosen: "a", rejected: "b"),
            ]
        #expect(try pairs(events) == ["a:b regenerate \(signalsStamp(500))"])
    }

    @Test func choiceThenFeedbackForTheSamePairKeepsTheChoice() throws {
        let events =
            promptAndTwoAnswers + [
                E.choice("e-choice", at: 300, chosen: "a", rejected: "b"),
                E.feedback("e-up", at: 400, on: "a", .up),
                E.feedback("e-down", at: 500, on: "b", .down),
                E.choice("e-choice-2", at: 600, chosen: "b", rejected: "a"),
            ]
        #expect(try pairs(events) == ["a:b choice \(signalsStamp(300))", "b:a choice \(signalsStamp(600))"])
    }

    @Test func feedbackOnResponsesToDifferentPromptsNeverPairs() throws {
        let events: [ChatEvent] = [
            E.prompt("e-p1", at: 0, message: "p1", text: "First?"),
            E.response("e-a", at: 100, message: "a", parent: "p1", text: "A"),
            E.prompt("e-p2", at: 200, message: "p2", text: "Second?"),
            E.response("e-b", at: 300, message: "b", parent: "p2", text: "B"),
            E.feedback("e-up", at: 400, on: "a", .up),
            E.feedback("e-down", at: 500, on: "b", .down),
            E.regenerate("e-regen", at: 600, of: "b"),
        ]
        let harness = SignalsShardHarness.run(events)
        #expect(try harness.objects(.preferencePair).isEmpty)
        #expect(try unresolved(harness).isEmpty)
    }

    @Test func choiceAcrossTwoPromptsWaitsAndIsUnresolved() throws {
        let events: [ChatEvent] = [
            E.prompt("e-p1", at: 0, message: "p1", text: "First?"),
            E.response("e-a", at: 100, message: "a", parent: "p1", text: "A"),
            E.prompt("e-p2", at: 200, message: "p2", text: "Second?"),
            E.response("e-b", at: 300, message: "b", parent: "p2", text: "B"),
            E.choice("e-choice", at: 400, chosen: "a", rejected: "b"),
        ]
        let harness = SignalsShardHarness.run(events)
        #expect(try harness.objects(.preferencePair).isEmpty)
        #expect(try unresolved(harness).count == 1)
    }

    @Test func pairsAreKeptPerConversation() throws {
        // The same message ids in another conversation are other messages.
        let other = promptAndTwoAnswers.map {
            var copy = $0
            copy.conversationId = "c2"
            copy.eventId += "-c2"
            return copy
        }
        let events =
            promptAndTwoAnswers + other + [
                E.feedback("e-up", at: 400, on: "a", .up),
                E.feedback("e-down", at: 500, conv: "c2", on: "b", .down),
            ]
        #expect(try pairs(events).isEmpty)
    }

    @Test func feedbackBeforeTheResponseIsSeenCountsOnceTheResponseArrives() throws {
        let events: [ChatEvent] = [
            E.prompt("e-p1", at: 0, message: "p1", text: "Question?"),
            E.response("e-b", at: 100, message: "b", parent: "p1", text: "B"),
            E.feedback("e-up", at: 200, on: "a", .up),
            E.feedback("e-down", at: 300, on: "b", .down),
            E.response("e-a", at: 400, message: "a", parent: "p1", text: "A"),
        ]
        #expect(try pairs(events) == ["a:b feedback \(signalsStamp(400))"])
    }

    /// A conversation spread over 4.5 s: any arrival order is within the 5 s bound.
    private static let scrambled: [ChatEvent] = [
        E.prompt("e01", at: 0, message: "p1", text: "Q1"),
        E.response("e02", at: 500, message: "a", parent: "p1", model: "m-a", text: "A"),
        E.response("e03", at: 1_000, message: "b", parent: "p1", model: "m-b", text: "B"),
        E.feedback("e04", at: 1_500, on: "a", .up),
        E.feedback("e05", at: 1_500, on: "b", .down),
        E.response("e06", at: 2_000, message: "c", parent: "p1", model: "m-a", text: "C"),
        E.choice("e07", at: 2_500, chosen: "c", rejected: "b"),
        E.regenerate("e08", at: 3_000, of: "c"),
        E.choice("e09", at: 3_500, chosen: "d", rejected: "a"),
        E.response("e10", at: 4_000, message: "d", parent: "p1", model: "m-b", text: "D"),
        E.feedback("e11", at: 4_500, on: "c", .down),
    ]

    @Test(arguments: [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0], [4, 3, 0, 9, 1, 8, 2, 6, 5, 10, 7],
        [1, 0, 2, 4, 3, 5, 7, 6, 10, 8, 9],
    ])
    func arrivalOrderWithinTheBoundDoesNotChangeTheOutput(order: [Int]) throws {
        let inOrder = SignalsShardHarness.run(Self.scrambled).fileLines
        let shuffled = SignalsShardHarness.run(order.map { Self.scrambled[$0] }).fileLines
        #expect(shuffled == inOrder)
        #expect(try pairs(Self.scrambled).count == 4)
    }

    @Test(arguments: [2, 3, 5, 100])
    func batchSizeDoesNotChangeTheOutput(batchSize: Int) {
        let events = Self.scrambled + [moveWatermark(to: 10_000, id: "move")]
        let single = SignalsShardHarness.run(events, batchSize: 1).fileLines
        #expect(SignalsShardHarness.run(events, batchSize: batchSize).fileLines == single)
    }

    @Test func scrambledConversationGivesTheExpectedPairs() throws {
        #expect(
            try pairs(Self.scrambled) == [
                "a:b feedback \(signalsStamp(1_500))", "c:b choice \(signalsStamp(2_500))",
                "a:c regenerate \(signalsStamp(3_000))", "d:a choice \(signalsStamp(4_000))",
            ])
    }

    /// CONTRACT 3.2 gives no time limit to what a conversation knows: texts seen earlier stay known
    /// (for `state_ttl`, 2 h by default), and join_ttl only bounds how long a pair waits for texts it
    /// does not know yet.
    @Test func feedbackLongAfterTheResponsesStillPairs() throws {
        let events =
            promptAndTwoAnswers + [
                E.feedback("e-up", at: 3 * halfHour, on: "a", .up),
                E.feedback("e-down", at: 3 * halfHour + 1_000, on: "b", .down),
            ]
        let harness = SignalsShardHarness.run(events)
        let found = try pairs(events)
        #expect(found == ["a:b feedback \(signalsStamp(3 * halfHour + 1_000))"])
        #expect(try unresolved(harness).isEmpty)
    }

    /// Past `state_ttl` of silence a conversation's texts are forgotten (bounded memory): a later
    /// choice waits for texts that never come.
    @Test func choiceAfterStateTTLIsUnresolved() throws {
        let events =
            promptAndTwoAnswers + [
                E.choice("e-late-choice", at: 5 * halfHour, chosen: "a", rejected: "b"),
                E.feedback("e-after", at: 7 * halfHour, on: "a", .up),
            ]
        let harness = SignalsShardHarness.run(events)
        #expect(try harness.objects(.preferencePair).isEmpty)
        #expect(try unresolved(harness).count == 1)
    }

    @Test func repeatedChoiceLongAfterTheFirstIsNeitherAPairNorADeadLetter() throws {
        let events =
            promptAndTwoAnswers + [
                E.choice("e-choice", at: 1_000, chosen: "a", rejected: "b"),
                E.choice("e-choice-again", at: 3 * halfHour, chosen: "a", rejected: "b"),
            ]
        let harness = SignalsShardHarness.run(events)
        #expect(try harness.objects(.preferencePair).count == 1)
        let letters = try unresolved(harness)
        #expect(letters.isEmpty)
    }
}
