import FlywheelEngine
import Foundation
import Testing

@testable import FlywheelSignals

private func encoded(_ value: String) -> String {
    var out: [UInt8] = []
    JSONWriter.appendEscaped(value, to: &out)
    return String(decoding: out, as: UTF8.self)
}

struct JSONWriterTests {
    @Test(arguments: [
        ("plain", #""plain""#), ("", #""""#), ("say \"hi\"", #""say \"hi\"""#), (#"a\b"#, #""a\\b""#),
        ("line\nbreak", #""line\nbreak""#), ("cr\r", #""cr\r""#), ("tab\t", #""tab\t""#),
        ("\u{0}", #""\u0000""#), ("\u{1}", #""\u0001""#), ("\u{8}", #""\u0008""#), ("\u{C}", #""\u000c""#),
        ("\u{1B}[0m", #""\u001b[0m""#), ("\u{1F}", #""\u001f""#), ("\u{7F}", "\"\u{7F}\""), ("/", #""/""#),
        ("caf\u{E9}", "\"caf\u{E9}\""), ("\u{65E5}\u{672C}", "\"\u{65E5}\u{672C}\""),
        ("\u{1F600}", "\"\u{1F600}\""), ("\u{2028}", "\"\u{2028}\""), (#"\""#, #""\\\"""#),
    ])
    func stringsAreEscapedAndNonASCIIIsKept(input: String, expected: String) throws {
        let literal = encoded(input)
        #expect(literal == expected)
        // Whatever the escaping, the literal reads back as the input.
        let parsed = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed)
        #expect(parsed as? String == input)
    }

    @Test func nonASCIIIsWrittenAsUTF8Bytes() {
        var out: [UInt8] = []
        JSONWriter.appendEscaped("\u{E9}", to: &out)
        #expect(out == [0x22, 0xC3, 0xA9, 0x22])
    }

    @Test func objectUsesPythonSeparatorsAndEndsTheLine() {
        var writer = JSONWriter()
        writer.field("signal", "x")
        writer.field("count", Int64(-3))
        writer.field("none", nil as String?)
        writer.field("list", strings: ["a", "b\"c"])
        writer.field("empty", strings: [])
        let line = String(decoding: writer.finishLine(), as: UTF8.self)
        #expect(line == #"{"signal": "x", "count": -3, "none": null, "list": ["a", "b\"c"], "empty": []}"# + "\n")
    }

    @Test(arguments: [
        (Double?.none, "null"), (0.5, "0.5"), (1.0, "1.0"), (0.75, "0.75"), (Double.infinity, "null"),
        (Double.nan, "null"), (-Double.infinity, "null"), (1.875, "1.875"),
    ])
    func doublesAreFiniteOrNull(value: Double?, expected: String) {
        var writer = JSONWriter()
        writer.field("v", value)
        #expect(String(decoding: writer.finishLine(), as: UTF8.self) == "{\"v\": \(expected)}\n")
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"), (-1, "1969-12-31T23:59:59.999Z"),
        (1_795_687_200_123, "2026-11-26T10:00:00.123Z"), (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
    ])
    func timesAreRFC3339UTCWithMilliseconds(millis: Int64, expected: String) {
        var writer = JSONWriter()
        writer.field("t", time: EventTime(millis: millis))
        #expect(String(decoding: writer.finishLine(), as: UTF8.self) == "{\"t\": \"\(expected)\"}\n")
    }

    @Test func rawJSONIsWrittenAsIs() {
        var writer = JSONWriter()
        writer.field("messages", rawJSON: Array(#"[{"role": "user"}]"#.utf8))
        #expect(String(decoding: writer.finishLine(), as: UTF8.self) == #"{"messages": [{"role": "user"}]}"# + "\n")
    }

    @Test func deadLetterRecordHasTheSideOutputFields() throws {
        let record = SideOutputs.deadLetter(
            ValidationFailure(.invalidField, "rating"), source: "in.jsonl", position: 3, raw: "{\"x\":\"\u{1}\"}",
            sequence: 3)
        let json = try SignalsJSON(record)
        #expect(json.keys == ["signal", "reason", "detail", "source", "position", "raw"])
        #expect(json.string("signal") == "dead_letter" && json.string("reason") == "invalid_field")
        #expect(json.string("detail") == "rating" && json.int("position") == 3)
        #expect(json.string("raw") == "{\"x\":\"\u{1}\"}")
        #expect(record.kind == .deadLetter && !record.isUnresolvedReference)
    }

    @Test func lateEventRecordHasTheSideOutputFields() throws {
        var event = SignalsEvent.prompt("e1", at: 1_000, message: "p", text: "t")
        event.origin.position = 9
        let record = SideOutputs.lateEvent(event, watermark: signalsTime(4_999), source: "in.jsonl", sequence: 9)
        let json = try SignalsJSON(record)
        #expect(json.keys == ["signal", "event_id", "type", "timestamp", "watermark", "source", "position"])
        #expect(json.string("signal") == "late_event" && json.string("event_id") == "e1")
        #expect(json.string("type") == "prompt" && json.string("timestamp") == signalsStamp(1_000))
        #expect(json.string("watermark") == signalsStamp(4_999) && json.int("position") == 9)
    }
}
