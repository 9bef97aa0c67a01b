import FlywheelEngine
import Foundation
import Testing

@testable import FlywheelSignals

private func encoded(_ value: String) -> String {
    var out: [UInt8] = []
    JSONWriter.appendEscaped(value, to: &out)
    return String(decoding: out, as: UTF8.self)
}

/// JSON escaping one byte at a time, as the writer did before it scanned eight bytes at once; other
/// bytes (UTF-8 of non-ASCII characters included) are kept as they are.
private func referenceEncoded(_ bytes: [UInt8]) -> String {
    var out = Array("\"".utf8)
    for byte in bytes {
        switch byte {
        case 0x22: out += Array("\\\"".utf8)
        case 0x5C: out += Array("\\\\".utf8)
        case 0x0A: out += Array("\\n".utf8)
        case 0x0D: out += Array("\\r".utf8)
        case 0x09: out += Array("\\t".utf8)
        case ..<0x20: out += Array(String(format: "\\u%04x", Int(byte)).utf8)
        default: out.append(byte)
        }
    }
    return String(decoding: out + Array("\"".utf8), as: UTF8.self)
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

    /// The writer formats times itself; it must agree with `EventTime.rfc3339` everywhere.
    @Test func timesMatchEventTimeFormatting() {
        var generator = SplitMix64(seed: 11)
        let edges: [Int64] = [
            0, -1, 1, 999, -999, -1000, 86_399_999, -86_400_000, 951_782_400_000, -62_167_219_200_001,
            253_402_300_799_999, 253_402_300_800_000, -62_198_755_200_000, 4_102_444_800_000_000,
        ]
        let randoms = (0..<2000).map { _ in
            Int64.random(in: -400_000_000_000_000...400_000_000_000_000, using: &generator)
        }
        for millis in edges + randoms {
            var writer = JSONWriter()
            writer.field("t", time: EventTime(millis: millis))
            let expected = "{\"t\": \"\(EventTime(millis: millis).rfc3339)\"}\n"
            #expect(String(decoding: writer.finishLine(), as: UTF8.self) == expected)
        }
    }

    @Test func rawTextAndStringsFollowAKey() {
        var writer = JSONWriter()
        writer.key("messages")
        writer.appendRaw("[")
        writer.appendString("a\tb")
        writer.appendRaw(", ")
        writer.appendNull()
        writer.appendRaw("]")
        #expect(String(decoding: writer.finishLine(), as: UTF8.self) == #"{"messages": ["a\tb", null]}"# + "\n")
    }

    @Test(arguments: [Int64.min, -1_000_000, -10, -9, -1, 0, 1, 9, 10, 99, 100, 1_234_567_890, Int64.max])
    func integersAreWrittenAsSwiftPrintsThem(value: Int64) {
        var writer = JSONWriter()
        writer.field("n", value)
        #expect(String(decoding: writer.finishLine(), as: UTF8.self) == "{\"n\": \(value)}\n")
    }

    @Test func linesLongerThanTheInitialCapacityAreComplete() {
        let texts = (0..<40).map { String(repeating: "\u{1}x\"\\é", count: $0) }
        var writer = JSONWriter(capacity: 1)
        for text in texts { writer.field("t", text) }
        writer.field("list", strings: texts)
        let line = writer.finishLine()
        var expected: [UInt8] = Array("{".utf8)
        for (index, text) in texts.enumerated() {
            if index > 0 { expected += Array(", ".utf8) }
            expected += Array("\"t\": ".utf8)
            JSONWriter.appendEscaped(text, to: &expected)
        }
        expected += Array(", \"list\": [".utf8)
        for (index, text) in texts.enumerated() {
            if index > 0 { expected += Array(", ".utf8) }
            JSONWriter.appendEscaped(text, to: &expected)
        }
        expected += Array("]}\n".utf8)
        #expect(line == expected)
        let parsed = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
        #expect((parsed?["list"] as? [String]) == texts)
    }

    /// Escaping looks at eight bytes at a time: special bytes at every offset of a word, in long
    /// texts, must each be escaped (compared with a byte-at-a-time reference).
    @Test func escapingMatchesAByteAtATimeReference() {
        var generator = SplitMix64(seed: 7)
        // Bytes that need escaping and their neighbours, and characters of 2, 3 and 4 UTF-8 bytes (whose
        // bytes are all >= 0x80), so the eight-at-a-time check sees them beside quotes and backslashes.
        let alphabet = [
            "\u{0}", "\u{1}", "\t", "\n", "\r", "\u{1F}", " ", "!", "\"", "[", "\\", "]", "~", "\u{7F}", "A",
            "\u{A2}", "\u{DC}", "\u{20AC}", "\u{1D11E}",
        ]
        for length in 0..<40 {
            for _ in 0..<50 {
                let text = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
                #expect(encoded(text) == referenceEncoded(Array(text.utf8)))
            }
        }
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
