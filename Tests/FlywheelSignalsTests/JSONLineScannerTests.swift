import FlywheelSignals
import Testing

/// One line of the table: its bytes, the verdict, and the values expected for `JSONLineScanCase.keys`.
struct JSONLineScanCase: Sendable, CustomTestStringConvertible {
    static let keys = ["a", "b", "event_id", "a_key_longer_than_sixteen_bytes", ""]

    let name: String
    let bytes: [UInt8]
    let expected: JSONLineScanResult
    let values: [String: JSONValue]

    var testDescription: String { name }

    init(_ text: String, _ expected: JSONLineScanResult, _ values: [String: JSONValue] = [:]) {
        self.init(name: text, bytes: Array(text.utf8), expected, values)
    }

    init(name: String, bytes: [UInt8], _ expected: JSONLineScanResult, _ values: [String: JSONValue] = [:]) {
        self.name = name
        self.bytes = bytes
        self.expected = expected
        self.values = values
    }

    /// `{"a":"<bytes>"}` around raw bytes, for UTF-8 cases.
    static func inString(_ name: String, _ raw: [UInt8], _ expected: JSONLineScanResult) -> JSONLineScanCase {
        let bytes = Array(#"{"a":""#.utf8) + raw + Array(#""}"#.utf8)
        let values: [String: JSONValue] =
            expected == .object ? ["a": .string(String(decoding: raw, as: UTF8.self))] : [:]
        return JSONLineScanCase(name: name, bytes: bytes, expected, values)
    }

    static func number(_ literal: String, _ value: Double, _ exact: Int64?) -> JSONLineScanCase {
        JSONLineScanCase(#"{"a":\#(literal)}"#, .object, ["a": .number(value, exactInteger: exact)])
    }

    static func badNumber(_ literal: String) -> JSONLineScanCase {
        JSONLineScanCase(#"{"a":\#(literal)}"#, .notJSON)
    }
}

/// Scans `bytes` with a fresh scanner and returns the verdict and the values keyed by name.
private func scanLine(_ bytes: [UInt8], keys: [String] = JSONLineScanCase.keys) -> (
    JSONLineScanResult, [String: JSONValue]
) {
    var scanner = JSONLineScanner(keys: keys)
    let result = bytes.withUnsafeBytes { scanner.scan($0) }
    var found: [String: JSONValue] = [:]
    for (key, value) in zip(keys, scanner.values) {
        found[key] = value
    }
    return (result, found)
}

private func nested(_ depth: Int, open: String = "[", close: String = "]", inner: String = "") -> String {
    String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
}

struct JSONLineScannerTests {
    static let structureCases: [JSONLineScanCase] = [
        JSONLineScanCase("{}", .object),
        JSONLineScanCase(#"{"a":"x","b":2}"#, .object, ["a": .string("x"), "b": .number(2, exactInteger: 2)]),
        JSONLineScanCase(#"{"a":true,"b":false}"#, .object, ["a": .bool(true), "b": .bool(false)]),
        JSONLineScanCase(#"{"a":null}"#, .object, ["a": .null]),
        JSONLineScanCase(#"{"a":1,"a":2}"#, .object, ["a": .number(2, exactInteger: 2)]),
        JSONLineScanCase(#"{"a":"x","b":1,"a":[1]}"#, .object, ["a": .array, "b": .number(1, exactInteger: 1)]),
        JSONLineScanCase(#"{"a":[1,{"b":[]}],"b":{"c":{"d":null}}}"#, .object, ["a": .array, "b": .object]),
        JSONLineScanCase(#"{"a":[],"b":{}}"#, .object, ["a": .array, "b": .object]),
        JSONLineScanCase(#"{"x":{"a":1},"y":[{"b":2}]}"#, .object),
        JSONLineScanCase(#"{"x":[[],[[]],{},{"k":[{}]}],"a":0}"#, .object, ["a": .number(0, exactInteger: 0)]),
        JSONLineScanCase(#"{"event\u005fid":"e1"}"#, .object, ["event_id": .string("e1")]),
        JSONLineScanCase(#"{"\u0061":1,"\/":2}"#, .object, ["a": .number(1, exactInteger: 1)]),
        JSONLineScanCase(
            #"{"a_key_longer_than_sixteen_bytes":1}"#, .object,
            ["a_key_longer_than_sixteen_bytes": .number(1, exactInteger: 1)]),
        JSONLineScanCase(#"{"a_key_longer_than_sixteen_byteX":1,"":2}"#, .object, ["": .number(2, exactInteger: 2)]),
        JSONLineScanCase(#"{"A":1,"aa":2,"event_ie":3,"event_id ":4}"#, .object),
        JSONLineScanCase(
            " \t\r\n{ \"a\" : 1 ,\t\"b\"\r:\n[ 1 , 2 ] } \r", .object, ["a": .number(1, exactInteger: 1), "b": .array]),
        JSONLineScanCase("{\"a\":1}\r", .object, ["a": .number(1, exactInteger: 1)]),
        JSONLineScanCase("", .notJSON),
        JSONLineScanCase(" \t\r", .notJSON),
        JSONLineScanCase("[1,2]", .notObject),
        JSONLineScanCase("[]", .notObject),
        JSONLineScanCase(#""str""#, .notObject),
        JSONLineScanCase("1", .notObject),
        JSONLineScanCase("-1.5e3", .notObject),
        JSONLineScanCase(" null ", .notObject),
        JSONLineScanCase("true", .notObject),
        JSONLineScanCase(#"[{"a":1}]"#, .notObject),
        JSONLineScanCase(#"{"a":1}x"#, .notJSON),
        JSONLineScanCase(#"{"a":1}{}"#, .notJSON),
        JSONLineScanCase(#"{"a":1},"#, .notJSON),
        JSONLineScanCase(#"{"a":1,}"#, .notJSON),
        JSONLineScanCase("[1,]", .notJSON),
        JSONLineScanCase("[,1]", .notJSON),
        JSONLineScanCase("[1,,2]", .notJSON),
        JSONLineScanCase("{,}", .notJSON),
        JSONLineScanCase(#"{"a"}"#, .notJSON),
        JSONLineScanCase(#"{"a":}"#, .notJSON),
        JSONLineScanCase(#"{"a" 1}"#, .notJSON),
        JSONLineScanCase("{a:1}", .notJSON),
        JSONLineScanCase("{'a':1}", .notJSON),
        JSONLineScanCase(#"{"a":1 "b":2}"#, .notJSON),
        JSONLineScanCase(#"{"a":1"#, .notJSON),
        JSONLineScanCase(#"{"a":[1}"#, .notJSON),
        JSONLineScanCase(#"{"a":[1]]}"#, .notJSON),
        JSONLineScanCase(#"{"x":{"y":1]}"#, .notJSON),
        JSONLineScanCase("[}", .notJSON),
        JSONLineScanCase("{", .notJSON),
        JSONLineScanCase("}", .notJSON),
        JSONLineScanCase(#"{"a":{"b"}}"#, .notJSON),
        JSONLineScanCase(#"{"a":{1:2}}"#, .notJSON),
        JSONLineScanCase(#"{"a":[1 2]}"#, .notJSON),
        JSONLineScanCase(#"{"a":"x" "y"}"#, .notJSON),
        JSONLineScanCase(#"{"a":tru}"#, .notJSON),
        JSONLineScanCase(#"{"a":True}"#, .notJSON),
        JSONLineScanCase(#"{"a":nul}"#, .notJSON),
        JSONLineScanCase(#"{"a":nulll}"#, .notJSON),
        JSONLineScanCase(#"{"a":falsey}"#, .notJSON),
        JSONLineScanCase(#"{"a":[true,fals]}"#, .notJSON),
        JSONLineScanCase("{\"a\":1}\u{0C}", .notJSON),
        JSONLineScanCase("{\"a\":1}\u{0B}", .notJSON),
        JSONLineScanCase("{\"a\":\u{A0}1}", .notJSON),
        JSONLineScanCase(name: "NUL after object", bytes: Array(#"{"a":1}"#.utf8) + [0], .notJSON),
        JSONLineScanCase(name: "NUL before object", bytes: [0] + Array("{}".utf8), .notJSON),
        JSONLineScanCase(name: "BOM", bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8), .notJSON),
        JSONLineScanCase("depth 512 arrays", nested(512)).with(.notObject),
        JSONLineScanCase("depth 513 arrays", nested(513)).with(.notJSON),
        JSONLineScanCase("depth 512 in object", "{\"a\":" + nested(511) + "}").with(.object, ["a": .array]),
        JSONLineScanCase("depth 513 in object", "{\"a\":" + nested(512) + "}").with(.notJSON),
        JSONLineScanCase("depth 513 unwanted", "{\"x\":" + nested(512) + "}").with(.notJSON),
        JSONLineScanCase("depth 512 objects", nested(511, open: "{\"k\":", close: "}", inner: "{}")).with(.object),
        JSONLineScanCase("depth 513 objects", nested(512, open: "{\"k\":", close: "}", inner: "{}")).with(.notJSON),
        JSONLineScanCase("depth 100000", nested(100_000)).with(.notJSON),
    ]

    @Test(arguments: structureCases)
    func structureIsValidatedStrictly(_ scanCase: JSONLineScanCase) {
        let (result, values) = scanLine(scanCase.bytes)
        #expect(result == scanCase.expected)
        #expect(values == scanCase.values)
    }

    static let stringCases: [JSONLineScanCase] = [
        JSONLineScanCase(#"{"a":""}"#, .object, ["a": .string("")]),
        JSONLineScanCase(#"{"a":"\"\\\/\b\f\n\r\t"}"#, .object, ["a": .string("\"\\/\u{8}\u{C}\n\r\t")]),
        JSONLineScanCase(#"{"a":"\u00e9\u00E9\u20AC"}"#, .object, ["a": .string("éé€")]),
        JSONLineScanCase(#"{"a":"\ud83d\ude00|\uD83D\uDE00"}"#, .object, ["a": .string("😀|😀")]),
        JSONLineScanCase(#"{"a":"\udbff\udfff"}"#, .object, ["a": .string("\u{10FFFF}")]),
        JSONLineScanCase(#"{"a":"x\u0000y"}"#, .object, ["a": .string("x\u{0}y")]),
        JSONLineScanCase(#"{"a":"h\u00e9llo \\u00e9"}"#, .object, ["a": .string("héllo \\u00e9")]),
        JSONLineScanCase("{\"a\":\"héllo 😀 中 \u{7F}\"}", .object, ["a": .string("héllo 😀 中 \u{7F}")]),
        // A lone surrogate escape, in a value or a key, wanted or skipped, makes the line malformed (CONTRACT 1).
        JSONLineScanCase(#"{"a":"\ud800"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\udc00"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\ud800\u0041"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\ud800\ud800"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\ude00\ud83d"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\udc00\udc00"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\ud800x"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\ud800\n"}"#, .notJSON),
        JSONLineScanCase(#"{"x":"\udfff"}"#, .notJSON),
        JSONLineScanCase(#"{"\ud800":1}"#, .notJSON),
        JSONLineScanCase(#"{"a":1,"x":["ok","\ud800"]}"#, .notJSON),
        JSONLineScanCase(#"{"a":1,"x":{"y":{"\udc00":2}}}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\x"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\U0041"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\'"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\u12"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\u12G4"}"#, .notJSON),
        JSONLineScanCase(#"{"a":"\"#, .notJSON),
        JSONLineScanCase(#"{"a":"abc"#, .notJSON),
        JSONLineScanCase("{\"a\":\"x\ty\"}", .notJSON),
        JSONLineScanCase("{\"a\":\"x\ny\"}", .notJSON),
        JSONLineScanCase("{\"a\":\"\u{1}\"}", .notJSON),
        JSONLineScanCase("{\"a\":\"\u{1F}\"}", .notJSON),
        JSONLineScanCase("{\"x\":[\"\u{1F}\"]}", .notJSON),
        JSONLineScanCase("{\"k\u{9}\":1}", .notJSON),
        JSONLineScanCase(name: "NUL in string", bytes: Array(#"{"a":"x"#.utf8) + [0] + Array(#""}"#.utf8), .notJSON),
    ]

    @Test(arguments: stringCases)
    func stringsAreUnescapedAndValidated(_ scanCase: JSONLineScanCase) {
        let (result, values) = scanLine(scanCase.bytes)
        #expect(result == scanCase.expected)
        #expect(values == scanCase.values)
    }

    static let utf8Cases: [JSONLineScanCase] = [
        .inString("U+0080", [0xC2, 0x80], .object),
        .inString("U+07FF", [0xDF, 0xBF], .object),
        .inString("U+0800", [0xE0, 0xA0, 0x80], .object),
        .inString("U+D7FF", [0xED, 0x9F, 0xBF], .object),
        .inString("U+E000", [0xEE, 0x80, 0x80], .object),
        .inString("U+FFFF", [0xEF, 0xBF, 0xBF], .object),
        .inString("U+10000", [0xF0, 0x90, 0x80, 0x80], .object),
        .inString("U+10FFFF", [0xF4, 0x8F, 0xBF, 0xBF], .object),
        .inString("FF", [0xFF], .notJSON),
        .inString("FE", [0xFE], .notJSON),
        .inString("lone continuation", [0x80], .notJSON),
        .inString("overlong NUL", [0xC0, 0x80], .notJSON),
        .inString("overlong C1", [0xC1, 0xBF], .notJSON),
        .inString("overlong 3-byte", [0xE0, 0x80, 0xAF], .notJSON),
        .inString("overlong 4-byte", [0xF0, 0x80, 0x80, 0xAF], .notJSON),
        .inString("UTF-8 surrogate D800", [0xED, 0xA0, 0x80], .notJSON),
        .inString("UTF-8 surrogate DFFF", [0xED, 0xBF, 0xBF], .notJSON),
        .inString("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80], .notJSON),
        .inString("F5 lead", [0xF5, 0x80, 0x80, 0x80], .notJSON),
        .inString("truncated 2-byte", [0xC3], .notJSON),
        .inString("truncated 3-byte", [0xE2, 0x82], .notJSON),
        .inString("truncated 4-byte", [0xF0, 0x9F, 0x98], .notJSON),
        .inString("lead then ASCII", [0xC3, 0x41], .notJSON),
        .inString("bad third byte", [0xE2, 0x82, 0x41], .notJSON),
        .inString("bad fourth byte", [0xF0, 0x9F, 0x98, 0xC0], .notJSON),
        .inString("invalid after long ASCII run", Array("0123456789abcdef".utf8) + [0xFF], .notJSON),
        JSONLineScanCase(name: "FF at end of line", bytes: [0xFF], .notJSON),
        JSONLineScanCase(name: "FF after object", bytes: Array(#"{"a":1}"#.utf8) + [0xFF], .notJSON),
        JSONLineScanCase(name: "FF as a value", bytes: Array(#"{"a":"#.utf8) + [0xFF] + Array("}".utf8), .notJSON),
        JSONLineScanCase(name: "FF in a key", bytes: Array(#"{"k"#.utf8) + [0xFF] + Array(#"":1}"#.utf8), .notJSON),
        JSONLineScanCase(
            name: "surrogate in a nested string",
            bytes: Array(#"{"x":["#.utf8) + [0x22, 0xED, 0xA0, 0x80, 0x22] + Array("]}".utf8), .notJSON),
        JSONLineScanCase(name: "truncated at line end", bytes: Array(#"{"a":""#.utf8) + [0xE2, 0x82], .notJSON),
    ]

    @Test(arguments: utf8Cases)
    func utf8IsValidatedEverywhere(_ scanCase: JSONLineScanCase) {
        let (result, values) = scanLine(scanCase.bytes)
        #expect(result == scanCase.expected)
        #expect(values == scanCase.values)
    }

    static let numberCases: [JSONLineScanCase] = [
        .number("0", 0, 0),
        .number("5", 5, 5),
        .number("-5", -5, -5),
        .number("5.0", 5, nil),
        .number("1e2", 100, nil),
        .number("1E+2", 100, nil),
        .number("1e-2", 0.01, nil),
        .number("0.1", 0.1, nil),
        .number("-0.0", 0, nil),
        .number("0e999999", 0, nil),
        .number("0.000001e-5", 1e-11, nil),
        .number("123.456e-7", 123.456e-7, nil),
        .number("9007199254740992", 9_007_199_254_740_992, 9_007_199_254_740_992),
        .number("9007199254740993", 9_007_199_254_740_992, 9_007_199_254_740_993),
        .number("9223372036854775807", 0x1p63, Int64.max),
        .number("9223372036854775808", 0x1p63, nil),
        .number("-9223372036854775808", -0x1p63, Int64.min),
        .number("-9223372036854775809", -0x1p63, nil),
        .number("18446744073709551616", 18_446_744_073_709_551_616, nil),
        .number("123456789012345678901234567890", 1.2345678901234568e29, nil),
        .number("1.7976931348623157e308", .greatestFiniteMagnitude, nil),
        .number("4.9e-324", .leastNonzeroMagnitude, nil),
        .number("2.2250738585072011e-308", Double.leastNormalMagnitude.nextDown, nil),
        .number("1e-999", 0, nil),
        .number("0.1000000000000000055511151231257827", 0.1, nil),
        .number("9007199254740993.0", 9_007_199_254_740_992, nil),
        .number("9007199254740995e0", 9_007_199_254_740_996, nil),
        .number("1e22", 1e22, nil),
        .number("1e23", 1e23, nil),
        .number("3.14159e-22", 3.14159e-22, nil),
        .number("2.5e-300", 2.5e-300, nil),
        .number("1" + String(repeating: "0", count: 400) + "e-400", 1, nil),
        JSONLineScanCase(#"{"a":1e999}"#, .object, ["a": .nonFiniteNumber]),
        JSONLineScanCase(#"{"a":-1e999}"#, .object, ["a": .nonFiniteNumber]),
        JSONLineScanCase(#"{"a":1.7976931348623159e308}"#, .object, ["a": .nonFiniteNumber]),
        JSONLineScanCase(#"{"a":1e99999999999999999999}"#, .object, ["a": .nonFiniteNumber]),
        JSONLineScanCase(#"{"x":1e999,"b":1}"#, .object, ["b": .number(1, exactInteger: 1)]),
        .badNumber("01"),
        .badNumber("-01"),
        .badNumber("00"),
        .badNumber("+1"),
        .badNumber(".5"),
        .badNumber("-.5"),
        .badNumber("1."),
        .badNumber("1.e5"),
        .badNumber("1e"),
        .badNumber("1e+"),
        .badNumber("1E-"),
        .badNumber("1.5e"),
        .badNumber("-"),
        .badNumber("--1"),
        .badNumber("0x10"),
        .badNumber("1_000"),
        .badNumber("1,5"),
        .badNumber("NaN"),
        .badNumber("nan"),
        .badNumber("Infinity"),
        .badNumber("-Infinity"),
        .badNumber("infinity"),
        .badNumber("1e5.5"),
        .badNumber("1.5.5"),
        .badNumber("١"),
    ]

    @Test(arguments: numberCases)
    func numbersFollowTheGrammarAndRoundCorrectly(_ scanCase: JSONLineScanCase) {
        let (result, values) = scanLine(scanCase.bytes)
        #expect(result == scanCase.expected)
        #expect(values == scanCase.values)
        if case .number(let expected, _) = scanCase.values["a"], case .number(let actual, _) = values["a"] {
            #expect(expected.bitPattern == actual.bitPattern || expected == 0)
        }
    }

    @Test func negativeZeroKeepsItsSign() {
        let (_, values) = scanLine(Array(#"{"a":-0,"b":-0.0}"#.utf8))
        guard case .number(let integer, let exact) = values["a"], case .number(let fraction, nil) = values["b"] else {
            Issue.record("expected two numbers, got \(values)")
            return
        }
        #expect(integer.sign == .minus && exact == 0)
        #expect(fraction.sign == .minus && fraction == 0)
    }

    @Test func valuesAreResetForEveryLine() {
        var scanner = JSONLineScanner(keys: ["a", "b"])
        let lines = [#"{"a":"x","b":1}"#, #"{"b":2}"#, #"{"a":"y","b":"#, #"{"a":true}"#, "[1]"]
        var seen: [[JSONValue?]] = []
        for line in lines {
            _ = Array(line.utf8).withUnsafeBytes { scanner.scan($0) }
            seen.append(scanner.values)
        }
        #expect(seen[0] == [.string("x"), .number(1, exactInteger: 1)])
        #expect(seen[1] == [nil, .number(2, exactInteger: 2)])
        #expect(seen[2] == [nil, nil])
        #expect(seen[3] == [.bool(true), nil])
        #expect(seen[4] == [nil, nil])
    }

    @Test func typicalChatEventKeepsTheWantedFields() {
        let keys = [
            "event_id", "type", "timestamp", "conversation_id", "user_id", "message_id", "parent_id", "rejected_id",
            "model", "variant", "text", "latency_ms", "tokens_in", "tokens_out", "rating", "comment", "error_code",
        ]
        let line = """
            {"event_id": "e1", "type": "response", "timestamp": "2026-11-26T10:00:00.000Z", "conversation_id": "c1", \
            "message_id": "r1", "parent_id": "p1", "model": "m1", "text": "answer r1 with some more words in it", \
            "latency_ms": 800.5, "tokens_in": 10, "tokens_out": 100, "extra": {"nested": [1, "two", null]}}
            """
        let (result, values) = scanLine(Array(line.utf8), keys: keys)
        #expect(result == .object)
        #expect(values.count == 11)
        #expect(values["timestamp"] == .string("2026-11-26T10:00:00.000Z"))
        #expect(values["text"] == .string("answer r1 with some more words in it"))
        #expect(values["latency_ms"] == .number(800.5, exactInteger: nil))
        #expect(values["tokens_out"] == .number(100, exactInteger: 100))
        #expect(values["user_id"] == nil && values["rating"] == nil)
    }

    /// Puts a special byte at every offset of a long string, so the word-at-a-time path meets it everywhere.
    @Test(arguments: 0..<24)
    func specialBytesAreFoundAtEveryOffset(_ offset: Int) {
        let prefix = String(repeating: "x", count: offset)
        let suffix = String(repeating: "y", count: 23 - offset)
        let pairs: [(String, JSONLineScanResult, String?)] = [
            (prefix + #"\""# + suffix, .object, prefix + "\"" + suffix),
            (prefix + #"\\"# + suffix, .object, prefix + "\\" + suffix),
            (prefix + "é" + suffix, .object, prefix + "é" + suffix),
            (prefix + #"\u00e9"# + suffix, .object, prefix + "é" + suffix),
            (prefix + "\t" + suffix, .notJSON, nil),
            (prefix + "\u{1F}" + suffix, .notJSON, nil),
        ]
        for (body, expected, decoded) in pairs {
            let (result, values) = scanLine(Array(#"{"a":"\#(body)","b":"\#(body)"}"#.utf8))
            #expect(result == expected, "\(body.debugDescription)")
            #expect(values["a"] == decoded.map { .string($0) })
        }
        let (result, _) = scanLine(Array(#"{"a":""#.utf8) + Array(prefix.utf8) + [0xFF] + Array(#""}"#.utf8))
        #expect(result == .notJSON)
    }

    @Test func aKeyListedTwiceFillsOnlyItsFirstSlot() {
        var scanner = JSONLineScanner(keys: ["a", "b", "a"])
        let result = Array(#"{"a":1,"b":2}"#.utf8).withUnsafeBytes { scanner.scan($0) }
        #expect(result == .object)
        #expect(scanner.values == [.number(1, exactInteger: 1), .number(2, exactInteger: 2), nil])
    }

    @Test func manyKeysAreAllFound() {
        let keys = (0..<100).map { "key_\($0)_" + String(repeating: "k", count: $0 % 23) }
        let line = "{" + keys.enumerated().reversed().map { #""\#($1)":\#($0)"# }.joined(separator: ",") + "}"
        let (result, values) = scanLine(Array(line.utf8), keys: keys)
        #expect(result == .object)
        for (index, key) in keys.enumerated() {
            #expect(values[key] == .number(Double(index), exactInteger: Int64(index)))
        }
    }
}

extension JSONLineScanCase {
    /// A case built from an arbitrary name and text, for generated inputs too long to name themselves.
    init(_ name: String, _ text: String) {
        self.init(name: name, bytes: Array(text.utf8), .notJSON)
    }

    func with(_ expected: JSONLineScanResult, _ values: [String: JSONValue] = [:]) -> JSONLineScanCase {
        JSONLineScanCase(name: name, bytes: bytes, expected, values)
    }
}
