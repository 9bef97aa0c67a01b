import FlywheelEngine
import Testing

@testable import FlywheelSignals

/// `SFTExample`'s qualification and ordering, against the straightforward forms they replace.
struct SFTExampleTests {
    /// The rule as first written: a set of prompt ids and a count of answers per parent id, ids
    /// compared by code points (CONTRACT 1, v1.1).
    private static func referenceAnswersPairUp(_ messages: [ConversationMessage]) -> Bool {
        var answers: [ExactKey: Int] = [:]
        var promptIds: Set<ExactKey> = []
        for message in messages {
            if message.isPrompt {
                promptIds.insert(ExactKey(message.messageId))
            } else {
                answers[ExactKey(message.parentId ?? ""), default: 0] += 1
            }
        }
        for message in messages where !message.isPrompt && !promptIds.contains(ExactKey(message.parentId ?? "")) {
            return false
        }
        return !messages.contains { $0.isPrompt && answers[ExactKey($0.messageId)] != 1 }
    }

    /// A response whose parent id is canonically equivalent to the prompt's message id, but not the
    /// same code points, does not answer it: the session gives no example.
    /// A kept message packs its two flags into its time's low bits: every combination reads back, for times
    /// before 1970 too, and times beyond ±2^61 ms are clamped rather than wrapped.
    @Test func aMessageKeepsItsTimeAndFlagsPacked() {
        for millis: Int64 in [0, 1, -1, 1_795_000_000_123, -62_135_596_800_000, 253_402_300_799_999] {
            for (isPrompt, hasPII) in [(false, false), (true, false), (false, true), (true, true)] {
                let message = ConversationMessage(
                    time: EventTime(millis: millis), eventId: "e", isPrompt: isPrompt, messageId: "m", parentId: "p",
                    text: "t", hasPII: hasPII)
                #expect(message.time == EventTime(millis: millis))
                #expect(message.isPrompt == isPrompt && message.hasPII == hasPII)
                #expect(message.link == (isPrompt ? "m" : "p"))
            }
        }
        let late = ConversationMessage(
            time: .max, eventId: "e", isPrompt: true, messageId: "m", parentId: nil, text: "t", hasPII: true)
        #expect(late.time == EventTime(millis: (1 << 61) - 1) && late.isPrompt && late.hasPII)
        let early = ConversationMessage(
            time: .min, eventId: "e", isPrompt: false, messageId: "m", parentId: nil, text: "")
        #expect(early.time == EventTime(millis: -(1 << 61)) && !early.isPrompt && early.parentId == nil)
    }

    /// A session's messages are bytes in a `MessageLog`: they read back as the values appended, in order, after
    /// merges and growths; clearing lets them all go.
    @Test func aMessageLogReadsBackWhatWasAppended() {
        var generator = SplitMix64(seed: 7)
        var messages: [ConversationMessage] = []
        for index in 0..<600 {
            let isPrompt = index % 2 == 0
            messages.append(
                ConversationMessage(
                    time: EventTime(millis: Int64(index)),
                    eventId: index % 50 == 3 ? String(repeating: "e", count: 300) : "e\(index)-\u{E9}",
                    isPrompt: isPrompt,
                    messageId: "m\(index)", parentId: isPrompt || index % 7 == 1 ? nil : "m\(index - 1)",
                    // Lengths past one varint byte (128) and past two (16,384) now and then.
                    text: String(
                        repeating: "\u{1F600}x",
                        count: index % 100 == 5 ? 4_000 : Int.random(in: 0...40, using: &generator)),
                    hasPII: index % 3 == 0))
        }
        var log = MessageLog(messages[..<300])
        log.append(contentsOf: MessageLog(messages[300...]))
        #expect(log.count == 600)
        let read = log.messages
        #expect(read.count == messages.count)
        for (mine, theirs) in zip(read, messages) {
            #expect(mine.time == theirs.time && mine.isPrompt == theirs.isPrompt && mine.hasPII == theirs.hasPII)
            #expect(mine.eventId == theirs.eventId && mine.link == theirs.link && mine.text == theirs.text)
            #expect(mine.parentId == theirs.parentId && mine.messageId == theirs.messageId)
        }
        log.removeAll()
        #expect(log.isEmpty && log.messages.isEmpty)
    }

    @Test func aResponseToACanonicallyEquivalentIdDoesNotAnswerThePrompt() {
        let messages = [
            ConversationMessage(
                time: EventTime(millis: 0), eventId: "e1", isPrompt: true, messageId: "p\u{E9}", parentId: nil,
                text: "q"),
            ConversationMessage(
                time: EventTime(millis: 1), eventId: "e2", isPrompt: false, messageId: "r1", parentId: "pe\u{301}",
                text: "a"),
        ]
        #expect(!MessageLog(messages).withMessages { SFTExample.answersPairUp($0) })
    }

    /// Random prompts and responses over a few ids, with missing parents and ids that differ only by
    /// Unicode normalisation ("é" precomposed and decomposed: two ids, though equal as Swift Strings).
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
            #expect(MessageLog(messages).withMessages { SFTExample.answersPairUp($0) } == expected)
            if expected { qualified += 1 }
        }
        #expect(qualified > 1_000)
    }

    /// Appends `message` as a session does (`MessageLog.append(time:...)`, which cuts a log that can no longer
    /// pair up down to two responses).
    private static func add(_ message: ConversationMessage, to log: inout MessageLog) {
        var (eventId, link, text) = (message.eventId, message.link, message.text)
        eventId.withUTF8 { eventId in
            link.withUTF8 { link in
                text.withUTF8 {
                    log.append(
                        time: message.time, eventId: eventId, isPrompt: message.isPrompt, link: link, text: $0,
                        hasPII: message.hasPII)
                }
            }
        }
    }

    /// A session's log keeps nothing more once two of its responses share a link, a state no later message or
    /// merge undoes: it is cut down to two responses without texts. Seeded sessions appended message by message,
    /// in parts merged in either order, some written to a checkpoint's values and read back on the way, some of
    /// them longer than the scan limit: the rule says the same of every log as of all its messages kept, and
    /// gives the same messages when it says yes; a log with such a pair among its first messages holds two.
    @Test func aLogThatCanNoLongerPairUpKeepsTwoResponsesAndTheSameAnswer() {
        var generator = SplitMix64(seed: 8)
        var settled = 0
        for round in 0..<20_000 {
            var messages = Self.randomMessages(&generator)
            if round % 100 == 0 { messages += (0..<70).flatMap { _ in Self.randomMessages(&generator) } }
            let cut = Int.random(in: 0...messages.count, using: &generator)
            var (first, second) = (MessageLog(), MessageLog())
            for message in messages[..<cut] { Self.add(message, to: &first) }
            for message in messages[cut...] { Self.add(message, to: &second) }
            if round % 3 == 0 { second = MessageLog(second.messages) }
            var merged = first
            merged.append(contentsOf: second)
            var reversed = second
            reversed.append(contentsOf: first)
            let expected = MessageLog(messages).withMessages { SFTExample.answersPairUp($0) }
            let inOrder = [(merged, messages), (reversed, Array(messages[cut...] + messages[..<cut]))]
            for (log, kept) in inOrder {
                #expect(log.withMessages { SFTExample.answersPairUp($0) } == expected)
                if expected {
                    let read = log.messages
                    #expect(read.map(\.eventId) == kept.map(\.eventId) && read.map(\.text) == kept.map(\.text))
                }
            }
            // Appended one by one: cut down as soon as two responses share a link.
            var whole = MessageLog()
            for message in messages { Self.add(message, to: &whole) }
            let responses = messages.filter { !$0.isPrompt }
            if messages.count <= MessageLog.pairUpScanLimit
                && Set(responses.map { ExactKey($0.link) }).count < responses.count
            {
                #expect(
                    whole.cannotPairUp && whole.count == 2
                        && whole.messages.allSatisfy { !$0.isPrompt && $0.text.isEmpty })
                #expect(MessageLog(whole.messages).cannotPairUp)
                settled += 1
            } else if messages.count <= MessageLog.pairUpScanLimit {
                #expect(!whole.cannotPairUp && whole.count == messages.count)
            }
        }
        #expect(settled > 2_000)
    }

    @Test func orderMatchesAStableSortOnSeededSessions() {
        var generator = SplitMix64(seed: 6)
        for _ in 0..<5_000 {
            let messages = Self.randomMessages(&generator)
            let expected = messages.indices.sorted {
                if messages[$0].time != messages[$1].time { return messages[$0].time < messages[$1].time }
                return messages[$0].eventId.utf8.lexicographicallyPrecedes(messages[$1].eventId.utf8)
            }
            #expect(
                MessageLog(messages).withMessages { SFTExample.eventTimeOrder($0) } ?? Array(messages.indices)
                    == expected)
        }
    }
}
