import FlywheelEngine
import FlywheelRuntime
import Testing

@testable import FlywheelSignals

/// Shards hand the storage of events they are done with back to the decoders (`ChatEventPool`): an event's
/// memory is then allocated and freed on the decoding thread. A storage is reused only when nothing else
/// references it, and a reused one holds nothing of the event it held before.
struct ChatEventPoolTests {
    static let prompt =
        #"{"event_id":"e1","type":"prompt","timestamp":"2026-01-01T00:00:00Z","conversation_id":"c1","#
        + #""user_id":"u1","message_id":"m1","text":"mail me at someone@example.com please","variant":"b"}"#
    static let feedback =
        #"{"event_id":"e2","type":"feedback","timestamp":"2026-01-01T00:00:01Z","conversation_id":"c2","#
        + #""parent_id":"m2","rating":"down","model":"gpt-x","latency_ms":120,"tokens_in":3,"tokens_out":9}"#

    private func event(_ decoded: DecodedLine) throws -> ChatEvent {
        guard case .event(let event) = decoded else { throw DecodeFailed(decoded: decoded) }
        return event
    }

    private struct DecodeFailed: Error { let decoded: DecodedLine }

    @Test func aRecycledEventsStorageIsFilledAgainWithNothingOfTheEventBefore() throws {
        let pool = ChatEventPool()
        var decoder = EventDecoder(maxEventBytes: 1 << 20, countsPII: true, pool: pool)
        var plain = EventDecoder(maxEventBytes: 1 << 20, countsPII: true)
        var first = try event(decoder.decode(Self.prompt))
        #expect(first.textPIICount == 1)
        let storage = first.storageIdentity

        var returns = ChatEventReturns(pool: pool)
        returns.recycle(&first)
        #expect(first.storageIdentity != storage)  // the event no longer holds it
        returns.flush()
        #expect(pool.count == 1)

        let second = try event(decoder.decode(Self.feedback, origin: EventOrigin(partition: 1, position: 7)))
        #expect(second.storageIdentity == storage)
        #expect(pool.count == 0)
        // Every field is the new line's: the same event as one decoded into new storage.
        let expected = try event(plain.decode(Self.feedback, origin: EventOrigin(partition: 1, position: 7)))
        #expect(second == expected)
        #expect(second.type == .feedback && second.rating == .down && second.model == "gpt-x")
        #expect(second.userId == nil && second.text == nil && second.variant == "default")
        #expect(second.textPIICount == nil)
        #expect(second.origin.raw == expected.origin.raw && second.origin.position == 7)
    }

    @Test func anEventReferencedElsewhereIsNotRecycled() throws {
        let pool = ChatEventPool()
        var decoder = EventDecoder(maxEventBytes: 1 << 20, pool: pool)
        var event = try event(decoder.decode(Self.prompt))
        let kept = event  // another holder, as a shard's state or the other shard's batch
        var returns = ChatEventReturns(pool: pool)
        returns.recycle(&event)
        returns.flush()
        #expect(pool.count == 0)
        #expect(event.storageIdentity == kept.storageIdentity)

        // Decoding goes on with new storage, and the kept event is unchanged.
        let next = try self.event(decoder.decode(Self.feedback))
        #expect(next.storageIdentity != kept.storageIdentity)
        #expect(kept.eventId == "e1" && kept.text == "mail me at someone@example.com please")
    }

    /// An event handed over whole (`recycle(taking:)`, for the pair operator's released events) gives its storage
    /// to the pool when it was the one reference, and leaves a storage someone else holds alone.
    @Test func anEventHandedOverWholeIsPooledOnlyWhenItHeldTheOneReference() throws {
        let pool = ChatEventPool()
        var decoder = EventDecoder(maxEventBytes: 1 << 20, pool: pool)
        var returns = ChatEventReturns(pool: pool)
        let alone = try event(decoder.decode(Self.prompt))
        let storage = alone.storageIdentity
        let shared = try event(decoder.decode(Self.feedback))
        let kept = shared
        returns.recycle(taking: consume alone)
        returns.recycle(taking: consume shared)
        returns.flush()
        #expect(pool.count == 1)
        #expect(kept.eventId == "e2" && kept.rating == .down)
        let next = try event(decoder.decode(Self.feedback))
        #expect(next.storageIdentity == storage && next.eventId == "e2")
    }

    @Test func aStorageReferencedAgainAfterItWasPooledIsNotReused() throws {
        let pool = ChatEventPool()
        var decoder = EventDecoder(maxEventBytes: 1 << 20, pool: pool)
        var event = try event(decoder.decode(Self.prompt))
        var spare: [ChatEvent.Storage] = []
        event.recycle(into: &spare, leaving: ChatEvent.emptyStorage())
        let holder = spare  // a second reference to the pooled storage
        pool.give(&spare)
        #expect(pool.count == 1 && spare.isEmpty)
        let next = try self.event(decoder.decode(Self.feedback))
        #expect(next.storageIdentity != ObjectIdentifier(holder[0]))
        #expect(holder[0].id(.eventId) == "e1")
    }

    /// A rule event keeps its input line's first bytes for `origin.raw`, cut only when read; a reused
    /// storage writes them over the bytes it held, and a copy made before (a waiting pair's) keeps its own.
    @Test func theRawLineIsCutWhenReadAndAReusedStorageHoldsOnlyTheNewLines() throws {
        let pool = ChatEventPool()
        var decoder = EventDecoder(maxEventBytes: 1 << 20, pool: pool)
        var returns = ChatEventReturns(pool: pool)
        // A long feedback line whose 1 KiB cut falls inside a two-byte character, and a short one.
        let long = Self.feedback.replacingOccurrences(
            of: #""rating""#, with: #""comment":"\#(String(repeating: "é", count: 700))","rating""#)
        #expect(long.utf8.count > 1_100)
        var first = try event(decoder.decode(long))
        let expectedLong = Array(long.utf8).withUnsafeBytes { RawText.cut($0) }
        #expect(first.origin.raw == expectedLong && expectedLong.utf8.count <= 1024)
        let keptOrigin = first.origin  // what a waiting pair keeps
        returns.recycle(&first)
        returns.flush()

        var second = try event(decoder.decode(Self.feedback))
        #expect(second.origin.raw == Self.feedback)
        #expect(keptOrigin.raw == expectedLong)
        // A prompt in reused storage has no raw text, whatever the storage held.
        let storage = second.storageIdentity
        returns.recycle(&second)
        returns.flush()
        let third = try event(decoder.decode(Self.prompt))
        #expect(third.storageIdentity == storage)
        #expect(third.origin.raw == nil)
        #expect(third.origin == EventOrigin())
    }

    @Test func originsAreEqualByTheirRawTextNotByTheBytesItIsCutFrom() {
        var line = EventOrigin(partition: 1, position: 2)
        let bytes = Array(String(repeating: "a", count: 1030).utf8)
        bytes.withUnsafeBytes { line.keepRawLine($0) }
        let text = EventOrigin(partition: 1, position: 2, raw: String(repeating: "a", count: 1024))
        #expect(line == text && line.raw == text.raw)
        #expect(line != EventOrigin(partition: 1, position: 2))
        #expect(EventOrigin(raw: "") != EventOrigin())
        // A raw text given as a string is kept as it is, even past 1 KiB (it was cut where it was made).
        #expect(EventOrigin(raw: String(repeating: "b", count: 2000)).raw?.utf8.count == 2000)
    }

    /// A pooled storage keeps its strings until a decoder fills it again, except a long text: a full pool
    /// holds a few megabytes whatever the texts' sizes.
    @Test func aPooledStorageLetsGoOfALongText() {
        var spare: [ChatEvent.Storage] = []
        let empty = ChatEvent.emptyStorage()
        let long = String(repeating: "x", count: ChatEvent.longestPooledText + 1)
        let short = String(repeating: "y", count: ChatEvent.longestPooledText)
        for text in [long, short] {
            var event = ChatEvent(
                eventId: "e", type: .prompt, time: EventTime(millis: 0), conversationId: "c", messageId: "m",
                text: text)
            event.recycle(into: &spare, leaving: empty)
        }
        #expect(spare.count == 2)
        #expect(spare[0].text == nil)
        #expect(spare[1].text == short)
    }

    /// No operator keeps an event's text String (they copy its bytes): a recycled event's text stays with its
    /// storage, to be freed by the decoder that allocated it when it fills the storage again.
    @Test func aRecycledEventKeepsItsTextForTheDecoderToRelease() throws {
        let pool = ChatEventPool()
        var decoder = EventDecoder(maxEventBytes: 1 << 20, pool: pool)
        var returns = ChatEventReturns(pool: pool)
        var event = try event(decoder.decode(Self.prompt))
        returns.recycle(&event)
        returns.flush()
        var pooled: [ChatEvent.Storage] = []
        pool.take(1, into: &pooled)
        #expect(pooled.count == 1 && pooled[0].text == "mail me at someone@example.com please")
        #expect(pooled[0].id(.eventId) == "e1")
    }

    /// An event's text lives as bytes in its storage: a reused storage keeps the room of its last text and holds
    /// only the new one (escapes decoded, none when absent), and a copy that changes its text leaves the
    /// original's alone.
    @Test func aStorageHoldsItsTextAsBytesInTheRoomItHad() throws {
        let pool = ChatEventPool()
        var decoder = EventDecoder(maxEventBytes: 1 << 20, pool: pool)
        var returns = ChatEventReturns(pool: pool)
        var first = try event(decoder.decode(Self.prompt))
        let room = first.fields.textCapacity
        #expect(room >= 37 && first.text == "mail me at someone@example.com please")
        returns.recycle(&first)
        returns.flush()
        let escaped =
            #"{"event_id":"e3","type":"prompt","timestamp":"2026-01-01T00:00:02Z","conversation_id":"c3","#
            + #""message_id":"m3","text":"caf\u00e9 \"ok\" \ud83d\ude00"}"#
        var second = try event(decoder.decode(escaped))
        #expect(second.fields.textCapacity == room)
        #expect(second.text == "caf\u{E9} \"ok\" \u{1F600}")
        let copy = second
        second.text = "changed"
        #expect(copy.text == "caf\u{E9} \"ok\" \u{1F600}" && second.text == "changed")
        second.text = nil
        #expect(second.text == nil && copy.text != nil)
        returns.recycle(&second)
        returns.flush()
        let withoutText = try event(decoder.decode(Self.feedback))
        #expect(withoutText.text == nil)
    }

    /// Batches change hands whole when they fit (the same storages, none lost or doubled), and in part when not.
    @Test func batchesChangeHandsWholeOrInPart() {
        let pool = ChatEventPool(capacity: 8)
        var first = (0..<4).map { _ in ChatEvent.emptyStorage() }
        var second = (0..<4).map { _ in ChatEvent.emptyStorage() }
        let ids = Set((first + second).map(ObjectIdentifier.init))
        pool.give(&first)
        pool.give(&second)
        #expect(first.isEmpty && second.isEmpty && pool.count == 8)
        var taken: [ChatEvent.Storage] = []
        pool.take(3, into: &taken)
        #expect(taken.count == 3 && pool.count == 5 && pool.taken == 3)
        var rest: [ChatEvent.Storage] = []
        pool.take(10, into: &rest)
        #expect(rest.count == 5 && pool.count == 0 && pool.taken == 8)
        #expect(Set((taken + rest).map(ObjectIdentifier.init)) == ids)
        var more = (0..<4).map { _ in ChatEvent.emptyStorage() }
        pool.give(&more)
        var whole: [ChatEvent.Storage] = []
        pool.take(4, into: &whole)
        #expect(whole.count == 4 && pool.count == 0)
    }

    @Test func thePoolHoldsAtMostItsCapacity() {
        let pool = ChatEventPool(capacity: 3)
        var storages = (0..<5).map { _ in ChatEvent.emptyStorage() }
        pool.give(&storages)
        #expect(storages.isEmpty && pool.count == 3)
        var taken: [ChatEvent.Storage] = []
        pool.take(2, into: &taken)
        #expect(taken.count == 2 && pool.count == 1)
        pool.take(5, into: &taken)
        #expect(taken.count == 3 && pool.count == 0)
    }

    /// A shard hands back the events of each batch it processed and, later, those its pair operator
    /// buffered: across a replay nearly every event's storage goes back, and the output is the same as
    /// without a pool.
    @Test func aShardHandsBackItsEventsAndTheOutputIsTheSame() throws {
        var options = GeneratorOptions()
        options.conversations = 300
        options.seed = 5
        var bytes: [UInt8] = []
        _ = ConversationGenerator(options: options).generate { bytes.append(contentsOf: $0) }
        let lines = bytes.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        func run(pool: ChatEventPool?) throws -> [String] {
            var decoder = EventDecoder(maxEventBytes: 1 << 20, countsPII: true, pool: pool)
            var driver = try IngestDriver(time: PipelineConfig().time, sourceNames: ["t"], shards: 1)
            var shard = SignalShardOperator(config: PipelineConfig(), catalog: nil, sourceNames: ["t"], pool: pool)
            var out: [SignalRecord] = []
            for (index, line) in lines.enumerated() {
                let position = Int64(index + 1)
                let decoded = decoder.decode(line, origin: EventOrigin(partition: 0, position: position))
                driver.ingest(InputLine(position: position, endOffset: position, decoded: decoded), partition: 0)
                if driver.linesInBatch >= 64 {
                    var batch = driver.cut().shards[0]
                    shard.process(&batch, into: &out)
                }
            }
            driver.finish(partition: 0)
            driver.finishAll()
            var last = driver.cut(isFinal: true).shards[0]
            shard.process(&last, into: &out)
            return out.map { String(decoding: $0.line, as: UTF8.self) }.sorted()
        }
        let pool = ChatEventPool()
        let pooled = try run(pool: pool)
        let plain = try run(pool: nil)
        #expect(pooled == plain && !plain.isEmpty)
        #expect(pool.taken > lines.count / 2)
    }
}
