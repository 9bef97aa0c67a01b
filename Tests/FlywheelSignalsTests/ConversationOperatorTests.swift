import FlywheelEngine
import Testing

@testable import FlywheelSignals

private typealias E = SignalsEvent

private let halfHour: Int64 = 1_800_000

private func config(gapMs: Int64 = halfHour, maxOutOfOrdernessMs: Int64 = 5_000) -> PipelineConfig {
    var config = PipelineConfig()
    config.signals.sessionGapMs = gapMs
    config.time.maxOutOfOrdernessMs = maxOutOfOrdernessMs
    return config
}

/// Drives a `ConversationOperator` with the watermarks IngestState gives, then ends the input.
private func run(_ events: [ChatEvent], config: PipelineConfig = config()) -> [SignalRecord] {
    var conversations = ConversationOperator(config: config)
    var out: [SignalRecord] = []
    signalsDrive(events, time: config.time) { event, before, after in
        conversations.advance(to: before, into: &out)
        conversations.add(event, into: &out)
        conversations.advance(to: after, into: &out)
    }
    conversations.advance(to: .max, into: &out)
    return signalsFileOrder(out)
}

private func summaries(_ events: [ChatEvent], config: PipelineConfig = config()) throws -> [SignalsJSON] {
    try run(events, config: config).filter { $0.kind == .conversationSummary }.map(SignalsJSON.init)
}

private func examples(_ events: [ChatEvent], config: PipelineConfig = config()) throws -> [SignalsJSON] {
    try run(events, config: config).filter { $0.kind == .sftExample }.map(SignalsJSON.init)
}

/// A positive one-turn conversation: prompt, answer, thumbs-up.
private func positiveTurn(conv: String = "c1", at ms: Int64 = 0, prompt: String = "p1", answer: String = "r1")
    -> [ChatEvent]
{
    [
        E.prompt("\(conv)-\(prompt)", at: ms, conv: conv, message: prompt, text: "Question \(prompt)"),
        E.response("\(conv)-\(answer)", at: ms + 100, conv: conv, message: answer, parent: prompt, text: "Answer"),
        E.feedback("\(conv)-\(answer)-up", at: ms + 200, conv: conv, on: answer, .up),
    ]
}

struct ConversationOperatorTests {
    @Test func summaryCarriesEveryField() throws {
        let events: [ChatEvent] = [
            E.prompt("e1", at: 0, message: "p1", text: "hi, mail me at ann@example.com", user: ""),
            E.response("e2", at: 1_000, message: "r1", parent: "p1", model: "m-b", text: "call +1 555-123-4567"),
            E.feedback("e3", at: 2_000, on: "r1", .up, model: "m-b", user: "u7"),
            E.copy("e4", at: 3_000, of: "r1", model: "m-a"),
            E.regenerate("e5", at: 4_000, of: "r1", model: "m-b"),
            E.response("e6", at: 5_000, message: "r2", parent: "p1", model: "m-c", text: "plain"),
            E.error("e7", at: 6_000, model: "m-a"),
            E.choice("e8", at: 7_000, chosen: "r2", rejected: "r1"),
            E.feedback("e9", at: 8_000, on: "r2", .down, model: "m-c", user: "u9"),
        ]
        let summary = try #require(try summaries(events).first)
        #expect(try summaries(events).count == 1)
        #expect(summary.string("signal") == "conversation_summary")
        #expect(summary.string("conversation_id") == "c1")
        #expect(summary.string("user_id") == "u7")
        #expect(summary.string("session_start") == signalsStamp(0))
        #expect(summary.string("session_end") == signalsStamp(8_000 + halfHour))
        #expect(summary.int("prompts") == 1 && summary.int("responses") == 2)
        #expect(summary.strings("models") == ["m-a", "m-b", "m-c"])
        #expect(summary.int("feedback_up") == 1 && summary.int("feedback_down") == 1)
        #expect(summary.int("regenerations") == 1 && summary.int("copies") == 1 && summary.int("errors") == 1)
        #expect(summary.int("duration_ms") == 8_000)
        #expect(summary.string("outcome") == "negative")
        #expect(summary.int("pii_found") == 2)
        let expectedKeys: Set = [
            "signal", "conversation_id", "user_id", "session_start", "session_end", "prompts", "responses", "models",
            "feedback_up", "feedback_down", "regenerations", "copies", "errors", "duration_ms", "outcome", "pii_found",
        ]
        #expect(summary.keys == expectedKeys)
    }

    @Test(arguments: [
        (up: 0, down: 0, errors: 0, outcome: "neutral"), (up: 1, down: 0, errors: 0, outcome: "positive"),
        (up: 0, down: 1, errors: 0, outcome: "negative"), (up: 3, down: 1, errors: 0, outcome: "negative"),
        (up: 2, down: 0, errors: 1, outcome: "negative"), (up: 0, down: 0, errors: 1, outcome: "negative"),
    ])
    func outcomeFollowsTheFeedbackAndErrorCounts(up: Int, down: Int, errors: Int, outcome: String) throws {
        var events = [E.prompt("p", at: 0, message: "p1", text: "Q")]
        events += (0..<up).map { E.feedback("up\($0)", at: 100 + Int64($0), on: "r1", .up) }
        events += (0..<down).map { E.feedback("down\($0)", at: 200 + Int64($0), on: "r1", .down) }
        events += (0..<errors).map { E.error("err\($0)", at: 300 + Int64($0)) }
        let summary = try #require(try summaries(events).first)
        #expect(summary.string("outcome") == outcome)
        #expect(summary.int("feedback_up") == up && summary.int("feedback_down") == down)
        #expect(summary.int("errors") == errors)
    }

    @Test func ratingChangedFromDownToUpIsStillNegative() throws {
        let events = [
            E.prompt("p", at: 0, message: "p1", text: "Q"), E.feedback("f1", at: 100, on: "r1", .down),
            E.feedback("f2", at: 200, on: "r1", .up),
        ]
        #expect(try summaries(events).first?.string("outcome") == "negative")
    }

    @Test func userIdIsThatOfTheEarliestEventWithANonEmptyOne() throws {
        // Arrival order differs from event-time order; "" and absent user ids are skipped.
        let events: [ChatEvent] = [
            E.prompt("e3", at: 3_000, message: "p3", text: "Q", user: "u-late"),
            E.prompt("e1", at: 1_000, message: "p1", text: "Q", user: ""),
            E.prompt("e0", at: 500, message: "p0", text: "Q"),
            E.prompt("e2", at: 2_000, message: "p2", text: "Q", user: "u-early"),
        ]
        #expect(try summaries(events).first?.string("user_id") == "u-early")
    }

    @Test func userIdTieIsBrokenByEventId() throws {
        let events: [ChatEvent] = [
            E.prompt("e-b", at: 1_000, message: "p2", text: "Q", user: "from-b"),
            E.prompt("e-a", at: 1_000, message: "p1", text: "Q", user: "from-a"),
        ]
        #expect(try summaries(events).first?.string("user_id") == "from-a")
    }

    @Test func userIdIsNullWhenNoEventHasOne() throws {
        let events = [E.prompt("e1", at: 0, message: "p1", text: "Q", user: "")]
        let summary = try #require(try summaries(events).first)
        #expect(summary.isNull("user_id"))
    }

    @Test func modelsAreSortedDistinctAndComeOnlyFromCountedTypes() throws {
        var promptWithModel = E.prompt("e0", at: 0, message: "p1", text: "Q")
        promptWithModel.model = "m-prompt"
        let events: [ChatEvent] = [
            promptWithModel,
            E.response("e1", at: 100, message: "r1", parent: "p1", model: "zeta", text: "A"),
            E.response("e2", at: 200, message: "r2", parent: "p1", model: "Alpha", text: "A"),
            E.feedback("e3", at: 300, on: "r1", .up, model: "zeta"),
            E.copy("e4", at: 400, of: "r1", model: "beta"),
            E.regenerate("e5", at: 500, of: "r1", model: "alpha"),
            E.error("e6", at: 600, model: "beta"),
            E.choice("e7", at: 700, chosen: "r1", rejected: "r2", model: "m-choice"),
        ]
        #expect(try summaries(events).first?.strings("models") == ["Alpha", "alpha", "beta", "zeta"])
    }

    @Test func piiIsCountedInPromptAndResponseTextsOnly() throws {
        var feedback = E.feedback("e3", at: 300, on: "r1", .up)
        feedback.text = "x@example.com"
        let events: [ChatEvent] = [
            E.prompt("e1", at: 0, message: "p1", text: "a@b.io and c@d.org, tel 555.123.4567"),
            E.response("e2", at: 100, message: "r1", parent: "p1", text: "(555) 123-4567 or +44 555 123 4567"),
            feedback,
        ]
        #expect(try summaries(events).first?.int("pii_found") == 5)
    }

    @Test(arguments: [
        (secondMs: halfHour, sessions: 1), (secondMs: halfHour - 1, sessions: 1), (secondMs: halfHour + 1, sessions: 2),
    ])
    func eventsExactlyAGapApartShareOneSession(secondMs: Int64, sessions: Int) throws {
        let events = [
            E.prompt("e1", at: 0, message: "p1", text: "Q"), E.prompt("e2", at: secondMs, message: "p2", text: "Q"),
        ]
        let result = try summaries(events)
        #expect(result.count == sessions)
        if sessions == 1 {
            #expect(result.first?.int("duration_ms") == Int(secondMs))
            #expect(result.first?.string("session_end") == signalsStamp(secondMs + halfHour))
        } else {
            #expect(result.map { $0.string("session_start") } == [signalsStamp(0), signalsStamp(secondMs)])
        }
    }

    @Test func outOfOrderEventBridgesTwoSessionsIntoOne() throws {
        // gap 10 s: sessions [0, 10 s) and [12 s, 22 s); an event at 8 s arriving last bridges them.
        let bridged = config(gapMs: 10_000)
        let events = [
            E.prompt("e1", at: 0, message: "p1", text: "Q", user: "u-first"),
            E.prompt("e2", at: 12_000, message: "p2", text: "Q"),
            E.feedback("e3", at: 8_000, on: "r1", .up),
        ]
        let result = try summaries(events, config: bridged)
        #expect(result.count == 1)
        let summary = try #require(result.first)
        #expect(summary.string("session_start") == signalsStamp(0))
        #expect(summary.string("session_end") == signalsStamp(22_000))
        #expect(summary.int("prompts") == 2 && summary.int("feedback_up") == 1)
        #expect(summary.int("duration_ms") == 12_000 && summary.string("user_id") == "u-first")
        // Without the bridge there are two sessions.
        #expect(try summaries(Array(events.prefix(2)), config: bridged).count == 2)
    }

    @Test func sessionFiresWhenTheWatermarkReachesItsEndMinusOne() {
        var conversations = ConversationOperator(config: config(gapMs: 10_000))
        var out: [SignalRecord] = []
        conversations.add(E.prompt("e1", at: 0, message: "p1", text: "Q"), into: &out)
        conversations.advance(to: signalsTime(9_998), into: &out)
        #expect(out.isEmpty)
        conversations.advance(to: signalsTime(9_999), into: &out)
        #expect(out.map(\.kind) == [.conversationSummary])
    }

    @Test func conversationsAreSummarisedSeparately() throws {
        let events = positiveTurn(conv: "c2") + positiveTurn(conv: "c1", at: 50)
        let result = try summaries(events)
        #expect(result.map { $0.string("conversation_id") } == ["c2", "c1"])
    }

    @Test func positiveSessionGivesAnExampleInEventTimeOrderWithPIIRedacted() throws {
        let events: [ChatEvent] = [
            E.response("e-r2", at: 3_000, message: "r2", parent: "p2", text: "Reach me: bob@example.com"),
            E.prompt("e-p1", at: 0, message: "p1", text: "Call 555-123-4567?"),
            E.response("e-r1", at: 1_000, message: "r1", parent: "p1", text: "Sure"),
            E.prompt("e-p2", at: 2_000, message: "p2", text: "And mail?"),
            E.feedback("e-up", at: 4_000, on: "r2", .up),
        ]
        let example = try #require(try examples(events).first)
        let expected =
            #"{"signal": "sft_example", "conversation_id": "c1", "messages": [{"role": "user", "content": "Call [PHONE]?"}, "#
            + #"{"role": "assistant", "content": "Sure"}, {"role": "user", "content": "And mail?"}, "#
            + #"{"role": "assistant", "content": "Reach me: [EMAIL]"}]}"# + "\n"
        #expect(example.line == expected)
    }

    @Test func exampleTiesAreOrderedByEventId() throws {
        let events: [ChatEvent] = [
            E.response("b-response", at: 0, message: "r1", parent: "p1", text: "Answer"),
            E.prompt("a-prompt", at: 0, message: "p1", text: "Question"),
            E.feedback("c-up", at: 0, on: "r1", .up),
        ]
        let example = try #require(try examples(events).first)
        #expect(example.line.contains(#"[{"role": "user", "content": "Question"}, {"role": "assistant""#))
    }

    /// Sessions that give no example (CONTRACT 3.4).
    @Test(arguments: [
        "neutral", "negative", "regenerated", "no prompt", "two responses", "unanswered prompt",
        "answer to another session",
    ])
    func sessionWithoutAnExample(_ name: String) throws {
        var events = positiveTurn()
        switch name {
        case "neutral": events.removeLast()
        case "negative": events.append(E.feedback("down", at: 300, on: "r1", .down))
        case "regenerated": events.append(E.regenerate("regen", at: 300, of: "r1"))
        case "no prompt": events.removeFirst()
        case "two responses": events.append(E.response("r1b", at: 300, message: "r1b", parent: "p1", text: "Another"))
        case "unanswered prompt": events.append(E.prompt("p2", at: 300, message: "p2", text: "Anyone?"))
        default:
            // The earlier session has its own prompt and answer; this one answers p0 of it too.
            events = positiveTurn(prompt: "p0", answer: "r0") + positiveTurn(at: 3 * halfHour)
            events.append(E.response("late-r", at: 3 * halfHour + 300, message: "r9", parent: "p0", text: "Again"))
        }
        let result = try examples(events)
        #expect(result.count == (name == "answer to another session" ? 1 : 0))
        #expect(result.allSatisfy { $0.line.contains("Question p0") })
        #expect(try summaries(events).isEmpty == false)
    }

    @Test func everyPositiveQualifyingSessionGivesItsOwnExample() throws {
        let events =
            positiveTurn(prompt: "p1", answer: "r1") + positiveTurn(at: 3 * halfHour, prompt: "p2", answer: "r2")
        let result = try examples(events)
        #expect(result.count == 2)
        #expect(result.first?.line.contains("Question p1") == true && result.last?.line.contains("Question p2") == true)
    }

    /// CONTRACT 1/3.3: ids are strings; "caf\u{E9}" and "cafe\u{301}" are two conversations.
    @Test func canonicallyEquivalentConversationIdsAreDifferentConversations() throws {
        let events = positiveTurn(conv: "caf\u{E9}") + positiveTurn(conv: "cafe\u{301}", at: 10)
        let result = try summaries(events)
        #expect(result.count == 2)
    }
}
