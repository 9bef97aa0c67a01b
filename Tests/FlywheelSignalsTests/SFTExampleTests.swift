import FlywheelEngine
import Testing

@testable import FlywheelSignals

/// `SFTExample`'s qualification and ordering, against the straightforward forms they replace.
struct SFTExampleTests {
    /// The rule as first written: a set of prompt ids and a count of answers per parent id.
    private static func referenceAnswersPairUp(_ messages: [ConversationMessage]) -> Bool {
        var answers: [String: Int] = [:]
        var promptIds: Set<String> = []
        for message in messages {
            if message.isPrompt {
                promptIds.insert(message.messageId)
            } else {
                answers[message.parentId ?? "", default: 0] += 1
            }
        }
        for message in messages where !message.isPrompt && !promptIds.contains(message.parentId ?? "") {
            return false
        }
        return !messages.contains { $0.isPrompt && answers[$0.messageId] != 1 }
    }

    /// Random prompts and responses over a few ids, with missing parents and ids that differ only by
    /// Unicode normalisation ("é" precomposed and decomposed are equal as Strings).
    private static func randomMessages(_ generator: inout SplitMix64) -> [ConversationMessage] {
        let ids = ["", "m1", "m2", "m3", "\u{E9}", "e\u{301}"]
        return (0..<Int.random(in: 0...7, using: &generator)).map { index in
            let isPrompt = Bool.random(using: &generator)
            return ConversationMessage(
                time: EventTime(millis: Int64.random(in: 0...3, using: &generator)),
                eventId: ["e1", "e2", "e10", "\u{E9}"].randomElement(using: &generator)!, isPrompt: isPrompt,
                messageId: ids.randomElement(using: &generator)!,
                parentId: isPrompt || index % 5 == 4 ? nil : ids.randomElement(using: &generator)!, text: "t\(index)")
        }
    }

    @Test func qualificationMatchesTheReferenceOnSeededSessions() {
        var generator = SplitMix64(seed: 5)
        var qualified = 0
        for _ in 0..<20_000 {
            let messages = Self.randomMessages(&generator)
            let expected = Self.referenceAnswersPairUp(messages)
            #expect(SFTExample.answersPairUp(messages) == expected)
            if expected { qualified += 1 }
        }
        #expect(qualified > 1_000)
    }

    @Test func orderMatchesAStableSortOnSeededSessions() {
        var generator = SplitMix64(seed: 6)
        for _ in 0..<5_000 {
            let messages = Self.randomMessages(&generator)
            let expected = messages.indices.sorted {
                if messages[$0].time != messages[$1].time { return messages[$0].time < messages[$1].time }
                return messages[$0].eventId.utf8.lexicographicallyPrecedes(messages[$1].eventId.utf8)
            }
            #expect(SFTExample.eventTimeOrder(messages) ?? Array(messages.indices) == expected)
        }
    }
}
