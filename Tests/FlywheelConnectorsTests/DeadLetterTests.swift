import FlywheelConnectors
import Foundation
import Testing

/// The dead letter's JSON line: the issue's format byte for byte, records that are not JSON, the 1 KiB cut
/// of responses, and reading a line back into the same letter.
struct DeadLetterTests {
    private static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private static func roundTrip(_ letter: DeadLetter) throws -> DeadLetter {
        try DeadLetter(jsonLine: letter.jsonLine())
    }

    @Test func lineHasTheFormatOfTheIssue() throws {
        let letter = DeadLetter(
            record: Self.bytes(#"{"a": 1, "b": [true, null]}"#), status: 400, error: "HTTP 400 Bad Request",
            attempts: 1, response: Self.bytes(#"{"error": "bad \"b\""}"#))
        let expected =
            #"{"record": {"a": 1, "b": [true, null]}, "status": 400, "error": "HTTP 400 Bad Request", "#
            + #""attempts": 1, "response": "{\"error\": \"bad \\\"b\\\"\"}"}"# + "\n"
        #expect(String(decoding: letter.jsonLine(), as: UTF8.self) == expected)
        #expect(try Self.roundTrip(letter) == letter)
    }

    @Test func noResponseIsNullStatusAndEmptyBody() throws {
        let letter = DeadLetter(record: Self.bytes("[1,2]"), status: nil, error: "timed out after 10s", attempts: 8)
        let expected =
            #"{"record": [1,2], "status": null, "error": "timed out after 10s", "attempts": 8, "response": ""}"# + "\n"
        #expect(String(decoding: letter.jsonLine(), as: UTF8.self) == expected)
        #expect(try Self.roundTrip(letter) == letter)
    }

    @Test func recordThatIsNotJSONIsKeptAsAString() throws {
        let letter = DeadLetter(record: Self.bytes("id=7\t\"x\""), status: 422, error: "HTTP 422", attempts: 1)
        let line = String(decoding: letter.jsonLine(), as: UTF8.self)
        #expect(line.hasPrefix(#"{"record": "id=7\t\"x\"", "status": 422,"#))
        #expect(try Self.roundTrip(letter).record == letter.record)
    }

    /// Records that are not embedded as they are: the line holds their text as a string, and they come back
    /// byte for byte (a JSON string is one of them, so that a string in a letter always means its characters).
    @Test(arguments: [
        "not json", #"{"a":"#, #""a JSON string""#, #" {"a": 1}"#, #"{"a": 1} "#, "{\"a\":\n1}", "[1]\r",
        "NaN", "", "01", #"{"a": 1}{"b": 2}"#, "\u{1}\u{7f} é 😀 \\",
    ])
    func recordsKeptAsStringsComeBackExactly(record: String) throws {
        let letter = DeadLetter(record: Self.bytes(record), status: 500, error: "HTTP 500", attempts: 3)
        let line = letter.jsonLine()
        #expect(line.starts(with: Self.bytes(#"{"record": ""#)))
        #expect(line.filter { $0 == 0x0A }.count == 1)
        #expect(try Self.roundTrip(letter).record == Self.bytes(record))
    }

    /// JSON records are embedded as they are, escapes, spacing and all, and come back byte for byte.
    @Test(arguments: [
        #"{"a":{"b":[1,"}]\"",{"c":null}]},"d":-0.5e3}"#, "[]", "42", "-1.25E+2", "true", "false", "null",
        #"{"t": "\u00e9 é \ud83d\ude00 \\ \/ \n"}"#, #"[ 1 , "x" ,{ } ]"#, #"{"record": 1, "status": 2}"#,
    ])
    func jsonRecordsAreEmbeddedExactly(record: String) throws {
        let letter = DeadLetter(record: Self.bytes(record), status: 409, error: "HTTP 409 Conflict", attempts: 1)
        let line = letter.jsonLine()
        #expect(line.starts(with: Self.bytes(#"{"record": "#) + Self.bytes(record) + Self.bytes(#", "status""#)))
        let back = try Self.roundTrip(letter)
        #expect(back.record == Self.bytes(record))
        #expect(back == letter)
    }

    @Test func recordThatIsNotUTF8ComesBackWithReplacementCharacters() throws {
        let letter = DeadLetter(record: [0x61, 0xFF, 0x62], status: 400, error: "HTTP 400", attempts: 1)
        #expect(try Self.roundTrip(letter).record == Self.bytes("a\u{FFFD}b"))
    }

    @Test func responseIsCutAtOneKiB() throws {
        let letter = DeadLetter(
            record: Self.bytes("{}"), status: 503, error: "HTTP 503", attempts: 8,
            response: Array(repeating: UInt8(ascii: "r"), count: 5000))
        #expect(letter.response.count == DeadLetter.maxResponseBytes)
        #expect(try Self.roundTrip(letter).response == letter.response)
    }

    /// A character that crosses the 1024th byte is left out whole: the line never holds half of one (which
    /// would come out as U+FFFD).
    @Test(arguments: [
        (1023, "é", 1023), (1022, "é", 1024), (1022, "€", 1022), (1021, "€", 1024), (1023, "€", 1023),
        (1021, "😀", 1021), (1022, "😀", 1022), (1023, "😀", 1023), (1020, "😀", 1024),
    ])
    func responseCutNeverSplitsACharacter(prefix: Int, character: String, kept: Int) throws {
        let body = Array(repeating: UInt8(ascii: "a"), count: prefix) + Self.bytes(character + "tail" + character)
        let letter = DeadLetter(record: Self.bytes("{}"), status: 500, error: "HTTP 500", attempts: 2, response: body)
        #expect(letter.response == Array(body.prefix(kept)))
        let line = String(decoding: letter.jsonLine(), as: UTF8.self)
        #expect(!line.contains("\u{FFFD}"))
        #expect(try Self.roundTrip(letter).response == letter.response)
    }

    @Test func responseSetLaterIsCutToo() {
        var letter = DeadLetter(record: Self.bytes("{}"), status: 500, error: "HTTP 500", attempts: 2)
        letter.response = Array(repeating: UInt8(ascii: "b"), count: 1023) + Self.bytes("ü")
        #expect(letter.response.count == 1023)
        letter.response += Self.bytes("xyz")
        #expect(letter.response.count == DeadLetter.maxResponseBytes)
    }

    @Test func keysMayBeEscapedAndTheLastRecordWins() throws {
        let line = Self.bytes(
            #"{"record": 1, "rec\u006frd": [ "x" , 2 ], "error": "e", "attempts": 2, "status": null}"#)
        let letter = try DeadLetter(jsonLine: line)
        #expect(letter.record == Self.bytes(#"[ "x" , 2 ]"#))
        #expect(letter.status == nil)
        #expect(letter.response == [])
    }

    @Test(arguments: [
        ("not json", "not a JSON line"),
        (#"{"record": 1, "error": "e", "attempts": 1"#, "not a JSON line"),
        (#"[{"record": 1}]"#, "not a JSON object"),
        (#"{"status": 400, "error": "e", "attempts": 1}"#, #"no "record""#),
        (#"{"record": 1, "error": 5, "attempts": 1}"#, #""error" must be a string"#),
        (#"{"record": 1, "attempts": 1}"#, #""error" must be a string"#),
        (#"{"record": 1, "error": "e", "attempts": -1}"#, #""attempts" must be a whole number"#),
        (#"{"record": 1, "error": "e", "attempts": 1.5}"#, #""attempts" must be a whole number"#),
        (#"{"record": 1, "error": "e", "attempts": 1, "status": "400"}"#, #""status" must be an HTTP status"#),
        (#"{"record": 1, "error": "e", "attempts": 1, "status": 42}"#, #""status" must be an HTTP status"#),
        (#"{"record": 1, "error": "e", "attempts": 1, "response": {}}"#, #""response" must be a string"#),
    ])
    func badLinesSayWhatIsWrong(line: String, reason: String) {
        #expect(throws: DeadLetter.Problem.self) { try DeadLetter(jsonLine: Self.bytes(line)) }
        do {
            _ = try DeadLetter(jsonLine: Self.bytes(line))
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }
}
