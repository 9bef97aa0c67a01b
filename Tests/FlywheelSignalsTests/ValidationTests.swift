import FlywheelEngine
import Testing

@testable import FlywheelSignals

/// A JSON object line built from (key, JSON literal) pairs, kept in order.
private struct LineSpec: Sendable {
    var fields: [(key: String, literal: String)]

    /// Sets `key` to the JSON literal (in place when present, else appended); nil removes the key.
    func with(_ key: String, _ literal: String?) -> LineSpec {
        var copy = self
        if let index = copy.fields.firstIndex(where: { $0.key == key }) {
            if let literal { copy.fields[index].literal = literal } else { copy.fields.remove(at: index) }
        } else if let literal {
            copy.fields.append((key, literal))
        }
        return copy
    }

    func without(_ keys: String...) -> LineSpec {
        keys.reduce(self) { $0.with($1, nil) }
    }

    var text: String { "{" + fields.map { "\"\($0.key)\":\($0.literal)" }.joined(separator: ",") + "}" }

    static func base(_ type: ChatEventType) -> LineSpec {
        var fields: [(key: String, literal: String)] = [
            ("event_id", #""e1""#), ("type", "\"\(type.rawValue)\""),
            ("timestamp", #""2026-11-26T10:00:00.000Z""#), ("conversation_id", #""c1""#),
        ]
        switch type {
        case .prompt: fields += [("message_id", #""p1""#), ("text", #""hi""#)]
        case .response:
            fields += [
                ("message_id", #""r1""#), ("parent_id", #""p1""#), ("model", #""m1""#), ("text", #""hello""#),
                ("latency_ms", "120"),
            ]
        case .feedback: fields += [("parent_id", #""r1""#), ("model", #""m1""#), ("rating", #""up""#)]
        case .regenerate, .copy: fields += [("parent_id", #""r1""#), ("model", #""m1""#)]
        case .choice: fields += [("parent_id", #""r1""#), ("rejected_id", #""r2""#)]
        case .error: fields += [("model", #""m1""#)]
        }
        return LineSpec(fields: fields)
    }
}

/// One row of the validation table: a line and its expected verdict (nil: a valid event).
struct SignalsValidationCase: Sendable, CustomTestStringConvertible {
    let name: String
    let line: String
    let reason: DeadLetterReason?
    let field: String?

    var testDescription: String { name }

    fileprivate init(_ name: String, _ spec: LineSpec, _ reason: DeadLetterReason? = nil, _ field: String? = nil) {
        self.init(name, spec.text, reason, field)
    }

    init(_ name: String, _ line: String, _ reason: DeadLetterReason? = nil, _ field: String? = nil) {
        self.name = name
        self.line = line
        self.reason = reason
        self.field = field
    }
}

private let prompt = LineSpec.base(.prompt)
private let response = LineSpec.base(.response)
private let feedback = LineSpec.base(.feedback)
private let choice = LineSpec.base(.choice)
private let idOf128 = "\"" + String(repeating: "x", count: 128) + "\""
private let idOf129 = "\"" + String(repeating: "x", count: 129) + "\""

private let validCases: [SignalsValidationCase] =
    ChatEventType.allCases.map { SignalsValidationCase("valid \($0.rawValue)", LineSpec.base($0)) } + [
        .init("null optional user_id and comment", feedback.with("user_id", "null").with("comment", "null")),
        .init("empty user_id is not an id", prompt.with("user_id", #""""#)),
        .init("unknown fields ignored", prompt.with("extra", "[1, true, null]")),
        .init("unknown nested object ignored", prompt.with("meta", #"{"a":[1,2,{"b":null}]}"#)),
        .init("event_id of 128 characters", prompt.with("event_id", idOf128)),
        .init(
            "event_id of 128 non-ASCII characters",
            prompt.with("event_id", "\"" + String(repeating: "é", count: 128) + "\"")),
        .init("tokens_in 2^53", response.with("tokens_in", "9007199254740992")),
        .init(
            "tokens 0 and latency 0", response.with("tokens_in", "0").with("tokens_out", "0").with("latency_ms", "0")),
        .init("latency with fraction and exponent", response.with("latency_ms", "1.5e3")),
        .init("rating on a prompt is checked and fine", prompt.with("rating", #""down""#)),
        .init("comment and error_code strings", feedback.with("comment", #""meh""#).with("error_code", #""E1""#)),
        .init("trailing carriage return is white space", prompt.text + "\r"),
        .init("year 0000", prompt.with("timestamp", #""0000-01-01T00:00:00Z""#)),
        .init("leap day 2024", prompt.with("timestamp", #""2024-02-29T23:59:59.999Z""#)),
        .init("leap day 2000", prompt.with("timestamp", #""2000-02-29T00:00:00Z""#)),
        .init("lower-case t and z", prompt.with("timestamp", #""2026-11-26t10:00:00.5z""#)),
        .init("offset 23:59", prompt.with("timestamp", #""2026-11-26T10:00:00-23:59""#)),
        .init("a choice with a model", choice.with("model", #""m1""#)),
    ]

private let malformedCases: [SignalsValidationCase] = [
    .init("truncated object", #"{"event_id":"e1","type":"prompt""#, .malformedJSON),
    .init("NaN", response.with("latency_ms", "NaN"), .malformedJSON),
    .init("Infinity", response.with("latency_ms", "Infinity"), .malformedJSON),
    .init("-Infinity", response.with("latency_ms", "-Infinity"), .malformedJSON),
    .init("an array", "[1,2]", .malformedJSON),
    .init("a string", #""prompt""#, .malformedJSON),
    .init("a number", "42", .malformedJSON),
    .init("null", "null", .malformedJSON),
    .init("trailing garbage", prompt.text + " x", .malformedJSON),
    .init("two objects", prompt.text + prompt.text, .malformedJSON),
    .init("single quotes", "{'event_id':'e1'}", .malformedJSON),
    .init("malformed beats missing fields", #"{"type":"prompt",}"#, .malformedJSON),
]

private let missingCases: [SignalsValidationCase] = [
    .init("empty object", "{}", .missingField, "event_id"),
    .init("no event_id", prompt.without("event_id"), .missingField, "event_id"),
    .init("null event_id", prompt.with("event_id", "null"), .missingField, "event_id"),
    .init("no type", prompt.without("type"), .missingField, "type"),
    .init("null type", prompt.with("type", "null"), .missingField, "type"),
    .init("no timestamp", prompt.without("timestamp"), .missingField, "timestamp"),
    .init("no conversation_id", prompt.without("conversation_id"), .missingField, "conversation_id"),
    .init("event_id before type", prompt.without("event_id", "type"), .missingField, "event_id"),
    .init("type before conversation_id", prompt.without("type", "conversation_id"), .missingField, "type"),
    .init(
        "timestamp before conversation_id", prompt.without("conversation_id", "timestamp"), .missingField, "timestamp"),
    .init(
        "missing timestamp before unknown type", prompt.without("timestamp").with("type", #""nope""#), .missingField,
        "timestamp"),
    .init(
        "missing conversation_id before empty event_id", prompt.without("conversation_id").with("event_id", #""""#),
        .missingField, "conversation_id"),
    .init("prompt without message_id and text", prompt.without("message_id", "text"), .missingField, "message_id"),
    .init("prompt without text", prompt.without("text"), .missingField, "text"),
    .init("prompt with null text", prompt.with("text", "null"), .missingField, "text"),
    .init(
        "response: parent_id before model", response.without("parent_id", "model", "latency_ms"), .missingField,
        "parent_id"),
    .init("response: model before text", response.without("model", "text"), .missingField, "model"),
    .init("response without latency_ms", response.without("latency_ms"), .missingField, "latency_ms"),
    .init("feedback: model before rating", feedback.without("model", "rating"), .missingField, "model"),
    .init("feedback without rating", feedback.without("rating"), .missingField, "rating"),
    .init("choice without rejected_id", choice.without("rejected_id"), .missingField, "rejected_id"),
    .init("regenerate without parent_id", LineSpec.base(.regenerate).without("parent_id"), .missingField, "parent_id"),
    .init("copy without model", LineSpec.base(.copy).without("model"), .missingField, "model"),
    .init("error without model", LineSpec.base(.error).without("model"), .missingField, "model"),
    .init(
        "missing required before empty event_id", prompt.without("text").with("event_id", #""""#), .missingField, "text"
    ),
    .init(
        "missing required before bad timestamp", prompt.without("text").with("timestamp", #""x""#), .missingField,
        "text"),
    .init(
        "missing required before bad comment", feedback.without("rating").with("comment", "5"), .missingField, "rating"),
]

private let typeCases: [SignalsValidationCase] = [
    .init("unknown type", prompt.with("type", #""thumbs""#), .invalidField, "type"),
    .init("type in upper case", prompt.with("type", #""Prompt""#), .invalidField, "type"),
    .init("type of 5", prompt.with("type", "5"), .invalidField, "type"),
    .init(
        "unknown type before missing required", prompt.with("type", #""thumbs""#).without("text"), .invalidField, "type"
    ),
    .init(
        "unknown type before empty event_id", prompt.with("type", #""x""#).with("event_id", #""""#), .invalidField,
        "type"),
]

private let invalidCases: [SignalsValidationCase] = [
    .init("empty event_id", prompt.with("event_id", #""""#), .invalidField, "event_id"),
    .init("event_id of 129 characters", prompt.with("event_id", idOf129), .invalidField, "event_id"),
    .init("event_id of 5", prompt.with("event_id", "5"), .invalidField, "event_id"),
    .init("empty conversation_id", prompt.with("conversation_id", #""""#), .invalidField, "conversation_id"),
    .init("user_id of 5", prompt.with("user_id", "5"), .invalidField, "user_id"),
    .init("empty message_id on a feedback", feedback.with("message_id", #""""#), .invalidField, "message_id"),
    .init("parent_id of 7", feedback.with("parent_id", "7"), .invalidField, "parent_id"),
    .init("empty rejected_id on a feedback", feedback.with("rejected_id", #""""#), .invalidField, "rejected_id"),
    .init("empty model on a choice", choice.with("model", #""""#), .invalidField, "model"),
    .init("variant of 5", prompt.with("variant", "5"), .invalidField, "variant"),
    .init("text of 5 on a feedback", feedback.with("text", "5"), .invalidField, "text"),
    .init("latency_ms -1", response.with("latency_ms", "-1"), .invalidField, "latency_ms"),
    .init("latency_ms 1e999", response.with("latency_ms", "1e999"), .invalidField, "latency_ms"),
    .init("latency_ms as a string", response.with("latency_ms", #""5""#), .invalidField, "latency_ms"),
    .init("latency_ms true", response.with("latency_ms", "true"), .invalidField, "latency_ms"),
    .init("tokens_in 5.0", response.with("tokens_in", "5.0"), .invalidField, "tokens_in"),
    .init("tokens_in 2^53+1", response.with("tokens_in", "9007199254740993"), .invalidField, "tokens_in"),
    .init("tokens_in -1", response.with("tokens_in", "-1"), .invalidField, "tokens_in"),
    .init("tokens_in 1e2", response.with("tokens_in", "1e2"), .invalidField, "tokens_in"),
    .init("tokens_in beyond Int64", response.with("tokens_in", "99999999999999999999"), .invalidField, "tokens_in"),
    .init("tokens_out 5.5", response.with("tokens_out", "5.5"), .invalidField, "tokens_out"),
    .init("rating meh", feedback.with("rating", #""meh""#), .invalidField, "rating"),
    .init("rating UP", feedback.with("rating", #""UP""#), .invalidField, "rating"),
    .init("rating of 1", feedback.with("rating", "1"), .invalidField, "rating"),
    .init("comment of 5 on a feedback", feedback.with("comment", "5"), .invalidField, "comment"),
    .init("error_code of 5", LineSpec.base(.error).with("error_code", "5"), .invalidField, "error_code"),
    .init("choice rejecting its own parent", choice.with("rejected_id", #""r1""#), .invalidField, "rejected_id"),
    .init("empty parent_id on a choice", choice.with("parent_id", #""""#), .invalidField, "parent_id"),
    .init(
        "event_id before timestamp", prompt.with("event_id", #""""#).with("timestamp", #""x""#), .invalidField,
        "event_id"),
    .init(
        "timestamp before conversation_id", prompt.with("timestamp", "5").with("conversation_id", #""""#),
        .invalidField, "timestamp"),
    .init(
        "conversation_id before user_id", prompt.with("conversation_id", "5").with("user_id", "5"), .invalidField,
        "conversation_id"),
    .init(
        "rejected_id equal to parent before model", choice.with("rejected_id", #""r1""#).with("model", #""""#),
        .invalidField, "rejected_id"),
    .init("model before variant", feedback.with("model", #""""#).with("variant", "1"), .invalidField, "model"),
    .init(
        "latency_ms before tokens_in", response.with("tokens_in", "5.0").with("latency_ms", "-1"), .invalidField,
        "latency_ms"),
    .init(
        "tokens_in before tokens_out", response.with("tokens_out", "-1").with("tokens_in", "1.5"), .invalidField,
        "tokens_in"),
    .init("rating before comment", feedback.with("comment", "5").with("rating", #""meh""#), .invalidField, "rating"),
    .init("comment before error_code", feedback.with("error_code", "1").with("comment", "5"), .invalidField, "comment"),
    .init("user_id before text", feedback.with("text", "5").with("user_id", "[]"), .invalidField, "user_id"),
]

private let timestampCases: [SignalsValidationCase] =
    [
        ("February 30", "2026-02-30T10:00:00Z"), ("29 February 2023", "2023-02-29T10:00:00Z"),
        ("29 February 1900", "1900-02-29T10:00:00Z"), ("31 April", "2026-04-31T10:00:00Z"),
        ("month 13", "2026-13-01T10:00:00Z"), ("day 0", "2026-11-00T10:00:00Z"), ("no zone", "2026-11-26T10:00:00"),
        ("leap second", "2026-12-31T23:59:60Z"), ("hour 24", "2026-11-26T24:00:00Z"),
        ("minute 60", "2026-11-26T10:60:00Z"),
        ("offset hour 24", "2026-11-26T10:00:00+24:00"), ("offset minute 60", "2026-11-26T10:00:00+02:60"),
        ("offset without colon", "2026-11-26T10:00:00+0200"), ("space for T", "2026-11-26 10:00:00Z"),
        ("dot without digits", "2026-11-26T10:00:00.Z"), ("empty", ""), ("date only", "2026-11-26"),
        ("two-digit year", "26-11-26T10:00:00Z"), ("trailing text", "2026-11-26T10:00:00Zx"),
    ].map { name, stamp in
        SignalsValidationCase("timestamp \(name)", prompt.with("timestamp", "\"\(stamp)\""), .invalidField, "timestamp")
    } + [.init("timestamp as a number", prompt.with("timestamp", "1795687200000"), .invalidField, "timestamp")]

private func decodeLine(_ line: String, maxEventBytes: Int = 1 << 20) -> DecodedLine {
    var decoder = EventDecoder(maxEventBytes: maxEventBytes)
    return decoder.decode(line)
}

private func decodeBytes(_ bytes: [UInt8], maxEventBytes: Int = 1 << 20) -> DecodedLine {
    var decoder = EventDecoder(maxEventBytes: maxEventBytes)
    return bytes.withUnsafeBytes { decoder.decode($0, origin: EventOrigin()) }
}

struct ValidationTests {
    @Test(arguments: validCases + malformedCases + missingCases + typeCases + invalidCases + timestampCases)
    func lineGetsTheFirstApplicableVerdict(_ row: SignalsValidationCase) {
        let failure = decodeLine(row.line).failure
        #expect(failure?.reason == row.reason, "detail: \(failure?.detail ?? "none")")
        if let field = row.field, let failure {
            #expect(failure.detail.contains(field), "detail \"\(failure.detail)\" should name \(field)")
        }
    }

    @Test func detailNamesExactlyTheFirstFieldNotALaterOne() throws {
        // Of an empty model and a bad variant, only the model is named.
        let failure = try #require(decodeLine(feedback.with("model", #""""#).with("variant", "1").text).failure)
        #expect(failure.detail.contains("model"))
        #expect(!failure.detail.contains("variant"))
    }

    @Test(arguments: [
        (limitDelta: 0, tooLarge: false), (limitDelta: -1, tooLarge: true), (limitDelta: 1, tooLarge: false),
    ])
    func lineLongerThanMaxEventBytesIsTooLarge(limitDelta: Int, tooLarge: Bool) {
        let line = prompt.text
        let result = decodeLine(line, maxEventBytes: line.utf8.count + limitDelta)
        #expect(result.failure?.reason == (tooLarge ? .tooLarge : nil))
    }

    @Test func tooLargeComesBeforeMalformed() {
        #expect(decodeLine("{not json at all", maxEventBytes: 4).failure?.reason == .tooLarge)
    }

    @Test(
        arguments: [
            [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80],
        ] as [[UInt8]])
    func invalidUTF8IsMalformed(_ bad: [UInt8]) {
        let bytes =
            Array(#"{"event_id":"e1","type":"prompt","timestamp":"2026-11-26T10:00:00Z","#.utf8)
            + Array(#""conversation_id":"c1","message_id":"p1","text":"a"#.utf8) + bad + Array(#""}"#.utf8)
        #expect(decodeBytes(bytes).failure?.reason == .malformedJSON)
    }

    @Test func invalidUTF8InAnUnknownFieldIsMalformedToo() {
        let bytes = Array(prompt.text.dropLast().utf8) + Array(#","extra":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        #expect(decodeBytes(bytes).failure?.reason == .malformedJSON)
    }

    @Test func validUTF8BytesDecode() throws {
        let bytes = Array(prompt.with("text", "\"caf\u{e9} \u{1F600}\"").text.utf8)
        let event = try #require(decodeBytes(bytes).event)
        #expect(event.text == "caf\u{e9} \u{1F600}")
    }

    @Test(arguments: [
        (literal: "absent", expected: "default"), (literal: #""""#, expected: "default"),
        (literal: "null", expected: "default"), (literal: #""B""#, expected: "B"),
    ])
    func variantDefaultsWhenAbsentOrEmpty(literal: String, expected: String) throws {
        let spec = literal == "absent" ? response : response.with("variant", literal)
        let event = try #require(decodeLine(spec.text).event)
        #expect(event.variant == expected)
    }

    @Test func decodedEventCarriesEveryField() throws {
        let line = response.with("user_id", #""u1""#).with("tokens_in", "7").with("tokens_out", "9")
            .with("latency_ms", "12.5").with("variant", #""A""#).text
        let event = try #require(decodeLine(line).event)
        #expect(event.eventId == "e1" && event.type == .response && event.conversationId == "c1")
        #expect(event.userId == "u1" && event.messageId == "r1" && event.parentId == "p1" && event.model == "m1")
        #expect(event.text == "hello" && event.latencyMs == 12.5 && event.tokensIn == 7 && event.tokensOut == 9)
        #expect(event.variant == "A" && event.time == signalsTime(0))
    }

    @Test func tokensDefaultToZero() throws {
        let event = try #require(decodeLine(response.text).event)
        #expect(event.tokensIn == 0 && event.tokensOut == 0)
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)), ("1970-01-01T02:00:00+02:00", 0), ("1969-12-31T22:30:00-01:30", 0),
        ("1970-01-01T00:00:00.123999Z", 123), ("1970-01-01T00:00:00.1Z", 100), ("1969-12-31T23:59:59.9999Z", -1),
        ("2026-11-26T10:00:00.000Z", 1_795_687_200_000), ("0000-01-01T00:00:00Z", -62_167_219_200_000),
        ("2026-11-26t10:00:00z", 1_795_687_200_000),
    ])
    func timestampIsEpochMillisecondsTruncated(stamp: String, millis: Int64) throws {
        let event = try #require(decodeLine(prompt.with("timestamp", "\"\(stamp)\"").text).event)
        #expect(event.time.millis == millis)
    }

    @Test func invalidLineKeepsItsValidTimestampForMerging() {
        #expect(decodeLine(prompt.without("text").text).mergeTime == signalsTime(0))
        #expect(decodeLine(prompt.with("timestamp", #""x""#).text).mergeTime == .min)
        #expect(decodeLine("[]").mergeTime == .min)
    }

    @Test(arguments: [ChatEventType.choice, .feedback, .regenerate])
    func eventsThatCanBecomeUnresolvedKeepTheirRawLine(_ type: ChatEventType) throws {
        let line = LineSpec.base(type).text
        var decoder = EventDecoder(maxEventBytes: 1 << 20)
        let event = try #require(decoder.decode(line, origin: EventOrigin(partition: 1, position: 42)).event)
        #expect(event.origin.raw == line)
        #expect(event.origin.position == 42 && event.origin.partition == 1)
    }

    @Test func decoderIsReusableAcrossLines() throws {
        var decoder = EventDecoder(maxEventBytes: 1 << 20)
        _ = decoder.decode(response.with("user_id", #""u1""#).text)
        let event = try #require(decoder.decode(prompt.text).event)
        #expect(event.userId == nil && event.model == nil && event.latencyMs == nil)
    }
}

extension DecodedLine {
    fileprivate var event: ChatEvent? {
        if case .event(let event) = self { return event }
        return nil
    }

    fileprivate var failure: ValidationFailure? {
        if case .invalid(let failure, _) = self { return failure }
        return nil
    }
}
