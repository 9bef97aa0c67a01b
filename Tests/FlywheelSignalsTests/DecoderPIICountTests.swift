import Testing

@testable import FlywheelSignals

struct DecoderPIICountTests {
    private func event(_ line: String, countsPII: Bool) -> ChatEvent? {
        var decoder = EventDecoder(maxEventBytes: 1 << 20, countsPII: countsPII)
        guard case .event(let event) = decoder.decode(line) else { return nil }
        return event
    }

    private let prompt =
        #"{"event_id":"e1","type":"prompt","timestamp":"2026-01-01T00:00:00Z","conversation_id":"c1","#
        + #""message_id":"m1","text":"mail a@b.io or call +1 (415) 555-0100 \u0021"}"#

    @Test func countsWhatTheRedactorCountsInTheUnescapedText() throws {
        let counted = try #require(event(prompt, countsPII: true))
        #expect(counted.textPIICount == PIIRedactor.count(counted.text!))
        #expect(counted.textPIICount == 2)
    }

    @Test func leavesTheCountUnsetWhenNotAskedOrWithoutText() throws {
        #expect(try #require(event(prompt, countsPII: false)).textPIICount == nil)
        let feedback =
            #"{"event_id":"e2","type":"feedback","timestamp":"2026-01-01T00:00:00Z","conversation_id":"c1","#
            + #""parent_id":"m2","model":"m","rating":"up"}"#
        #expect(try #require(event(feedback, countsPII: true)).textPIICount == nil)
    }

    /// A storage handed back to the decoder holds the count of its last event until it is filled again.
    @Test func aReusedStorageGetsTheCountOfItsNewEvent() throws {
        let pool = ChatEventPool()
        var returns = ChatEventReturns(pool: pool)
        var decoder = EventDecoder(maxEventBytes: 1 << 20, countsPII: true, pool: pool)
        let feedback =
            #"{"event_id":"e2","type":"feedback","timestamp":"2026-01-01T00:00:00Z","conversation_id":"c1","#
            + #""parent_id":"m2","model":"m","rating":"up"}"#
        for (line, expected) in [(prompt, 2), (feedback, nil), (prompt, 2)] as [(String, Int?)] {
            guard case .event(var event) = decoder.decode(line) else {
                Issue.record("not an event")
                return
            }
            #expect(event.textPIICount == expected)
            returns.recycle(&event)
            returns.flush()
        }
        #expect(pool.taken >= 1)
    }

    @Test func changingTheTextForgetsTheCountAndEqualityIgnoresIt() throws {
        var counted = try #require(event(prompt, countsPII: true))
        let plain = try #require(event(prompt, countsPII: false))
        #expect(counted == plain)
        counted.text = "no contact details"
        #expect(counted.textPIICount == nil)
    }
}
