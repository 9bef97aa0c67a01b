import FlywheelEngine
import Foundation
import Testing

@testable import FlywheelSignals

/// The decoder as it was before it read fields from byte spans: every wanted value built by
/// `JSONLineScanner`, then checked in the contract's order. The fuzz test holds the span-based
/// decoder to exactly these verdicts.
private struct ReferenceDecoder {
    var scanner = JSONLineScanner(keys: ChatField.allCases.map(\.key))

    mutating func decode(_ line: UnsafeRawBufferPointer, origin: EventOrigin) -> DecodedLine {
        switch scanner.scan(line) {
        case .notJSON: return .invalid(ValidationFailure(.malformedJSON, "not valid JSON"), time: .min)
        case .notObject: return .invalid(ValidationFailure(.malformedJSON, "not a JSON object"), time: .min)
        case .object: break
        }
        do {
            var event = try validatedEvent()
            event.origin = origin
            // Every event type that can make a pair rule hold keeps its raw line.
            if [.choice, .feedback, .regenerate, .response].contains(event.type) {
                event.origin.raw = RawText.cut(line)
            }
            return .event(event)
        } catch {
            return .invalid(error, time: validTimestamp ?? .min)
        }
    }

    subscript(_ field: ChatField) -> JSONValue? {
        switch scanner.values[field.rawValue] {
        case .none, .some(.null): return nil
        case .some(let value): return value
        }
    }

    var validTimestamp: EventTime? {
        guard case .string(let text) = self[.timestamp] else { return nil }
        return EventTime.parseRFC3339(text)
    }

    func validatedEvent() throws(ValidationFailure) -> ChatEvent {
        for field in ChatField.alwaysRequired where self[field] == nil {
            throw ValidationFailure(.missingField, field.key)
        }
        guard case .string(let typeName) = self[.type], let type = ChatEventType(rawValue: typeName) else {
            throw ValidationFailure(.invalidField, "type")
        }
        for field in ChatField.required(by: type) where self[field] == nil {
            throw ValidationFailure(.missingField, field.key)
        }
        let eventId = try id(.eventId, maxScalars: 128)!
        guard let time = validTimestamp else { throw ValidationFailure(.invalidField, "timestamp") }
        var event = ChatEvent(eventId: eventId, type: type, time: time, conversationId: try id(.conversationId)!)
        event.userId = try string(.userId)
        event.messageId = try id(.messageId)
        event.parentId = try id(.parentId)
        event.rejectedId = try id(.rejectedId)
        if type == .choice, event.rejectedId == event.parentId { throw ValidationFailure(.invalidField, "rejected_id") }
        event.model = try id(.model)
        if let variant = try string(.variant), !variant.isEmpty { event.variant = variant }
        event.text = try string(.text)
        if let (value, _) = try number(.latencyMs) {
            guard value >= 0 else { throw ValidationFailure(.invalidField, "latency_ms") }
            event.latencyMs = value
        }
        event.tokensIn = try integer(.tokensIn) ?? 0
        event.tokensOut = try integer(.tokensOut) ?? 0
        if let rating = try string(.rating) {
            guard let value = Rating(rawValue: rating) else { throw ValidationFailure(.invalidField, "rating") }
            event.rating = value
        }
        _ = try string(.comment)
        _ = try string(.errorCode)
        return event
    }

    func string(_ field: ChatField) throws(ValidationFailure) -> String? {
        switch self[field] {
        case .none: return nil
        case .some(.string(let text)): return text
        case .some: throw ValidationFailure(.invalidField, field.key)
        }
    }

    func id(_ field: ChatField, maxScalars: Int = .max) throws(ValidationFailure) -> String? {
        guard let text = try string(field) else { return nil }
        guard !text.isEmpty, text.unicodeScalars.count <= maxScalars else {
            throw ValidationFailure(.invalidField, field.key)
        }
        return text
    }

    func number(_ field: ChatField) throws(ValidationFailure) -> (Double, Int64?)? {
        switch self[field] {
        case .none: return nil
        case .some(.number(let value, let exact)): return (value, exact)
        case .some: throw ValidationFailure(.invalidField, field.key)
        }
    }

    func integer(_ field: ChatField) throws(ValidationFailure) -> Int64? {
        guard let (_, exact) = try number(field) else { return nil }
        guard let exact, exact >= 0 && exact <= 1 << 53 else { throw ValidationFailure(.invalidField, field.key) }
        return exact
    }
}

/// Generates event-like lines that hit every check: each field present or not, null, of the wrong
/// type, escaped, out of range or empty; keys escaped, repeated or unknown; and byte mutations.
/// Most choices are valid, so that a good share of the lines are events.
private struct EventLineGenerator {
    /// The valid literals of a field and the invalid ones.
    typealias Choices = (valid: [String], invalid: [String])

    var rng: SplitMix64

    static let ids: Choices = (
        [
            #""e1""#, #""conversation-0001""#, #""\u0065""#, #""caf\u00e9""#, "\"\u{1F600}\"", #""\ud800""#,
            "\"" + String(repeating: "x", count: 128) + "\"", "\"" + String(repeating: "\u{e9}", count: 128) + "\"",
        ],
        [
            #""""#, "\"" + String(repeating: "x", count: 129) + "\"",
            "\"" + String(repeating: "\u{e9}", count: 129) + "\"",
            "\"" + String(repeating: "\\u0078", count: 129) + "\"", "12", "[]", "{}", "false",
        ]
    )
    static let timestamps: Choices = (
        [
            #""2026-11-26T10:00:00.123Z""#, #""2026-11-26T10:00:00Z""#, #""2026-11-26t10:00:00.5+02:00""#,
            #""2026-11-26T10:00:00\u002e999999z""#, #""2026\u002d11-26T10:00:00Z""#, #""2026-11-26T10:00:00-23:59""#,
            #""0000-01-01T00:00:00Z""#,
        ],
        [
            #""2026-02-30T10:00:00Z""#, #""2026-11-26T10:00:60Z""#, #""2026-11-26T10:00:00""#, #""""#,
            "1795687200000", "[]",
        ]
    )
    static let numbers: Choices = (
        ["0", "-0", "12", "12.5", "1e2", "9007199254740992", "0.1e1", "1E-400"],
        ["-1", "-0.0", "5.0", "9007199254740993", "12345678901234567890", "1e999", "-1e999", #""5""#, "true", "{}"]
    )
    static let ratings: Choices = ([#""up""#, #""down""#, #""\u0075p""#, #""d\u006fwn""#], [#""UP""#, #""""#, "1"])
    static let strings: Choices = (
        [
            #""hello""#, #""""#, #""line\nbreak \"quoted\" \\ \/""#, "\"日本語 \u{e9}\u{301} \u{1F600}\"",
            #""\ud83d\ude00 \udc00""#, #""default""#,
        ],
        ["5", "[\"a\"]", "{\"b\":1}"]
    )
    static let escapedKeys: [ChatField: String] = [
        .type: #"\u0074ype"#, .eventId: #"event\u005fid"#, .timestamp: #"times\u0074amp"#, .rating: #"r\u0061ting"#,
    ]

    mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &rng) < percent
    }

    mutating func pick(_ choices: [String]) -> String {
        choices[Int.random(in: 0..<choices.count, using: &rng)]
    }

    mutating func line() -> [UInt8] {
        let type = ChatEventType.allCases[Int.random(in: 0..<ChatEventType.allCases.count, using: &rng)]
        let required = Set(ChatField.alwaysRequired + ChatField.required(by: type))
        var members: [String] = []
        for field in ChatField.allCases where chance(required.contains(field) ? 97 : 30) {
            members.append(member(field, type: type))
            if chance(3) { members.append(member(field, type: type)) }
        }
        if chance(30) { members.append(#""client":{"os":["ios",1.5e3,null,true]}"#) }
        members.shuffle(using: &rng)
        let separator = chance(10) ? " , " : ","
        return Array(("{" + members.joined(separator: separator) + "}").utf8)
    }

    private mutating func member(_ field: ChatField, type: ChatEventType) -> String {
        let key = chance(5) ? Self.escapedKeys[field] ?? field.key : field.key
        if chance(3) { return "\"\(key)\":null" }
        return "\"\(key)\":" + literal(for: field, type: type)
    }

    private mutating func literal(for field: ChatField, type: ChatEventType) -> String {
        let choices: Choices
        switch field {
        case .type:
            choices = (
                ["\"\(type.rawValue)\""],
                [#""\u0070rompt""#, #""respons\u0065""#, #""Prompt""#, #""""#, #""prompt ""#, "7", "true"]
            )
        case .timestamp: choices = Self.timestamps
        case .eventId, .conversationId, .messageId, .parentId, .rejectedId, .model: choices = Self.ids
        case .latencyMs, .tokensIn, .tokensOut: choices = Self.numbers
        case .rating: choices = Self.ratings
        case .userId, .variant, .text, .comment, .errorCode: choices = Self.strings
        }
        return chance(95) ? pick(choices.valid) : pick(choices.invalid)
    }

    mutating func mutate(_ line: [UInt8]) -> [UInt8] {
        guard !line.isEmpty else { return line }
        var bytes = line
        let position = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: bytes[position] = UInt8.random(in: 0...255, using: &rng)
        case 1: bytes.remove(at: position)
        default: bytes.insert(pick(["\"", "\\", ",", "}", "0", "e"]).utf8.first!, at: position)
        }
        return bytes
    }
}

struct EventDecoderFuzzTests {
    /// The span-based decoder gives exactly the verdicts, events and dead-letter details of the reference.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func decoderAgreesWithTheReference(seed: UInt64) {
        var generator = EventLineGenerator(rng: SplitMix64(seed: seed))
        var decoder = EventDecoder(maxEventBytes: 1 << 20)
        var reference = ReferenceDecoder()
        var verdicts: [String: Int] = [:]
        for position in 0..<3_000 {
            let valid = generator.line()
            for bytes in [valid, generator.mutate(valid)] {
                let origin = EventOrigin(partition: 1, position: Int64(position))
                let ours = bytes.withUnsafeBytes { decoder.decode($0, origin: origin) }
                let theirs = bytes.withUnsafeBytes { reference.decode($0, origin: origin) }
                #expect(ours == theirs, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
                verdicts[ours.verdict, default: 0] += 1
            }
        }
        // Every kind of verdict must come up often, or the test proves little.
        for reason in ["event", "malformed_json", "missing_field", "invalid_field"] {
            #expect(verdicts[reason, default: 0] > 200, "\(reason): \(verdicts)")
        }
    }

    @Test(arguments: ChatEventType.allCases)
    func typeNamesAreMatchedByTheirBytes(_ type: ChatEventType) {
        var name = type.rawValue
        #expect(name.withUTF8 { ChatEventType(utf8: UnsafeRawBufferPointer($0)) } == type)
        var longer = type.rawValue + "s"
        #expect(longer.withUTF8 { ChatEventType(utf8: UnsafeRawBufferPointer($0)) } == nil)
    }
}

struct ModelBytesTests {
    /// Model and variant names of every length (around a small String's 15 bytes, and long), escaped and non-ASCII,
    /// and absent, empty or present variants, decode to their values, one decoder reusing its storages line after
    /// line, and route by the same hash as the Strings.
    @Test func modelAndVariantDecodeToTheirValuesInReusedStorages() throws {
        let pool = ChatEventPool()
        var decoder = EventDecoder(maxEventBytes: 1 << 20, pool: pool)
        var returns = ChatEventReturns(pool: pool)
        let cases: [(model: String, variant: String?)] = [
            ("m", nil), ("abcdefghijklmno", "control"), ("abcdefghijklmnop", ""),
            ("claude-3-5-sonnet-20241022", "treatment-with-a-long-name"), (#"mod\u00e8le-\"q\""#, #"v\u0301"#),
            ("gpt-4o", "default"), (String(repeating: "x", count: 300), nil),
        ]
        for round in 0..<3 {
            for (index, item) in cases.enumerated() {
                var fields = [
                    #""event_id":"e\#(index)""#, #""type":"error""#, #""model":"\#(item.model)""#,
                    #""timestamp":"2026-11-18T11:06:42.236Z""#, #""conversation_id":"c""#,
                ]
                if let variant = item.variant { fields.append(#""variant":"\#(variant)""#) }
                guard case (var event, let plain)? = try decodedWithJSONSerialization(fields, by: &decoder) else {
                    return
                }
                let model = try #require(plain["model"] as? String)
                let variant = (plain["variant"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "default"
                #expect(event.model.map { Array($0.utf8) } == Array(model.utf8), "round \(round) line \(index)")
                #expect(Array(event.variant.utf8) == Array(variant.utf8), "round \(round) line \(index)")
                #expect(RoutedEvent.modelHash(of: event) == StableHash.hash(model, variant))
                #expect(
                    event
                        == ChatEvent(
                            eventId: "e\(index)", type: .error, time: event.time, conversationId: "c", model: model,
                            variant: variant))
                returns.recycle(&event)
                returns.flush()
            }
        }
        #expect(pool.taken > 0)
    }
}

struct EventIdBytesTests {
    /// Ids of every shape (long, escaped, non-ASCII, an empty user id, absent ones) decode to their values, one
    /// decoder reusing its storages line after line, shorter ids after longer ones and the other way round.
    @Test func idsDecodeToTheirValuesInReusedStorages() throws {
        let pool = ChatEventPool()
        var decoder = EventDecoder(maxEventBytes: 1 << 20, pool: pool)
        var returns = ChatEventReturns(pool: pool)
        let ids: [(event: String, conversation: String, user: String?, message: String?, parent: String?)] = [
            ("e1", "c1", nil, "m1", nil),
            (String(repeating: "x", count: 128), String(repeating: "c", count: 300), "", #"m-\u00e9"#, "p"),
            (#"e\u0032"#, "c", "u-7f3a9c2e-4b1d-4e8a-16-2pi", nil, "m1"),
            (#"\ud83d\ude00-id"#, #"conversation-with-a-long-id-\u00fcber"#, "u", "m2", "m1"),
            ("e3", "c1", nil, "m3", nil),
        ]
        for round in 0..<3 {
            for (index, id) in ids.enumerated() {
                var fields = [
                    #""event_id":"\#(id.event)""#, #""type":"error""#, #""model":"m""#,
                    #""timestamp":"2026-11-18T11:06:42.236Z""#, #""conversation_id":"\#(id.conversation)""#,
                    #""text":"t\#(index)""#,
                ]
                if let user = id.user { fields.append(#""user_id":"\#(user)""#) }
                if let message = id.message { fields.append(#""message_id":"\#(message)""#) }
                if let parent = id.parent { fields.append(#""parent_id":"\#(parent)""#) }
                guard case (var event, let plain)? = try decodedWithJSONSerialization(fields, by: &decoder) else {
                    return
                }
                #expect(event.eventId == plain["event_id"] as? String, "round \(round) line \(index)")
                #expect(event.conversationId == plain["conversation_id"] as? String)
                #expect(event.userId == plain["user_id"] as? String)
                #expect(event.messageId == plain["message_id"] as? String)
                #expect(event.parentId == plain["parent_id"] as? String)
                #expect(event.rejectedId == nil)
                #expect(event.withId(.eventId) { $0.map(Array.init) } == Array((plain["event_id"] as! String).utf8))
                returns.recycle(&event)
                returns.flush()
            }
        }
        #expect(pool.taken > 0)
    }

    /// Setting one id of an event made in code keeps the others, and a copy's change leaves the original.
    @Test func settingAnIdKeepsTheOthersAndCopiesApart() {
        var event = ChatEvent(
            eventId: "e1", type: .choice, time: EventTime(millis: 0), conversationId: "c1", userId: "u1",
            messageId: "m1", parentId: "p1", rejectedId: "r1")
        let original = event
        event.parentId = "a-much-longer-parent-id-than-before"
        event.userId = nil
        #expect(event.eventId == "e1" && event.conversationId == "c1" && event.messageId == "m1")
        #expect(event.parentId == "a-much-longer-parent-id-than-before" && event.userId == nil)
        #expect(event.rejectedId == "r1")
        #expect(original.parentId == "p1" && original.userId == "u1")
        #expect(event != original)
        event.parentId = "p1"
        event.userId = "u1"
        #expect(event == original)
    }

    /// The decoder's id hash is the ingest's (`IngestState.idHash(of:)`), escaped or long ids included, and
    /// shared ids decode to the same values whether interned or not.
    @Test(arguments: [
        #"{"event_id":"e1","type":"prompt","timestamp":"2026-11-18T11:06:42.236Z","conversation_id":"c1","message_id":"m1","text":"hi"}"#,
        #"{"event_id":"e-7f3a9c2e-4b1d-4e8a-16-9\u00e9","type":"prompt","timestamp":"2026-11-18T11:06:42.236Z","conversation_id":"c-7f3a9c2e-4b1d-4e8a-16-1","user_id":"u-7f3a9c2e-4b1d-4e8a-16-2pi","message_id":"m-7f3a9c2e-4b1d-4e8a-16-8","text":"hi"}"#,
        #"{"event_id":"\u0065-long-escaped-event-id","type":"response","timestamp":"2026-11-18T11:06:42.236Z","conversation_id":"c\u002d7f3a9c2e-4b1d-4e8a-16-1","message_id":"m-7f3a9c2e-4b1d-4e8a-16-9","parent_id":"m-7f3a9c2e-4b1d-4e8a-16-8","model":"atlas-1","text":"ok","latency_ms":120}"#,
    ])
    func decodedIdHashIsTheIngestOne(line: String) throws {
        var decoder = EventDecoder(maxEventBytes: 1 << 20)
        for _ in 0..<2 {
            let decoded = decoder.decode(line)
            guard case .event(let event) = decoded else {
                Issue.record("not an event: \(decoded)")
                return
            }
            #expect(decoder.eventIdHash == IngestState.idHash(of: decoded))
            #expect(decoder.eventIdHash == StableHash.hash(event.eventId))
            let plain = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(event.conversationId == plain["conversation_id"] as? String)
            #expect(event.messageId == plain["message_id"] as? String)
            #expect(event.parentId == plain["parent_id"] as? String)
            #expect(event.userId == plain["user_id"] as? String)
        }
    }
}

extension DecodedLine {
    fileprivate var verdict: String {
        switch self {
        case .event: return "event"
        case .invalid(let failure, _): return failure.reason.rawValue
        }
    }
}

/// The event `decoder` makes of a line of `fields` (JSON members), and the line as Foundation's parser reads it;
/// nil (an issue recorded) when the decoder rejects the line.
private func decodedWithJSONSerialization(_ fields: [String], by decoder: inout EventDecoder) throws -> (
    ChatEvent, [String: Any]
)? {
    let line = "{" + fields.joined(separator: ",") + "}"
    let plain = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    guard case .event(let event) = decoder.decode(line) else {
        Issue.record("not an event: \(line)")
        return nil
    }
    return (event, plain)
}
