import FlywheelSignals
import Foundation
import Testing

/// Generates JSON-ish lines: valid objects with random nesting, escapes and Unicode, and mutations of them.
private struct JSONLineGenerator {
    static let keys = ["event_id", "type", "text", "latency_ms", "tokens_in", "rating", "a", "é", "a\u{0}b"]

    private static let interestingBytes: [UInt8] =
        Array(#""\,:[]{}0123456789eE.-+u tfn"#.utf8) + [
            0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF,
        ]

    var rng: SplitMix64

    mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &rng) < percent
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[Int.random(in: 0..<choices.count, using: &rng)]
    }

    mutating func line() -> [UInt8] {
        var out: [UInt8] = []
        whitespace(&out)
        if chance(85) {
            object(&out, depth: 1, topLevel: true)
        } else {
            value(&out, depth: 1)
        }
        whitespace(&out)
        return out
    }

    mutating func mutate(_ line: [UInt8]) -> [UInt8] {
        var bytes = line
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let position = Int.random(in: 0...bytes.count, using: &rng)
            let byte = chance(70) ? pick(Self.interestingBytes) : UInt8.random(in: 0...255, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where position < bytes.count: bytes[position] = byte
            case 1: bytes.insert(byte, at: position)
            case 2 where position < bytes.count: bytes.remove(at: position)
            case 3: bytes.removeSubrange(position...)
            default:
                let end = min(bytes.count, position + Int.random(in: 1...6, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            }
        }
        return bytes
    }

    private mutating func whitespace(_ out: inout [UInt8]) {
        guard chance(30) else { return }
        out += Array(pick([" ", "  ", "\t", "\r", "\n ", " \r\n\t"]).utf8)
    }

    private mutating func value(_ out: inout [UInt8], depth: Int) {
        let kinds = depth < 5 ? 7 : 5
        switch Int.random(in: 0..<kinds, using: &rng) {
        case 0, 1: string(&out)
        case 2, 3: number(&out)
        case 4: out += Array(pick(["true", "false", "null"]).utf8)
        case 5: array(&out, depth: depth + 1)
        default: object(&out, depth: depth + 1, topLevel: false)
        }
    }

    private mutating func array(_ out: inout [UInt8], depth: Int) {
        out.append(UInt8(ascii: "["))
        whitespace(&out)
        for index in 0..<Int.random(in: 0...4, using: &rng) {
            if index > 0 {
                out.append(UInt8(ascii: ","))
                whitespace(&out)
            }
            value(&out, depth: depth)
            whitespace(&out)
        }
        out.append(UInt8(ascii: "]"))
    }

    private mutating func object(_ out: inout [UInt8], depth: Int, topLevel: Bool) {
        out.append(UInt8(ascii: "{"))
        whitespace(&out)
        for index in 0..<Int.random(in: 0...(topLevel ? 8 : 3), using: &rng) {
            if index > 0 {
                out.append(UInt8(ascii: ","))
                whitespace(&out)
            }
            key(&out)
            whitespace(&out)
            out.append(UInt8(ascii: ":"))
            whitespace(&out)
            value(&out, depth: depth)
            whitespace(&out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private mutating func key(_ out: inout [UInt8]) {
        guard chance(70) else {
            string(&out)
            return
        }
        out.append(UInt8(ascii: "\""))
        for scalar in pick(Self.keys).unicodeScalars {
            if scalar.value < 0x20 || chance(10) {
                out += Array(String(format: "\\u%04x", scalar.value).utf8)
            } else {
                out += Array(String(scalar).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private mutating func string(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: out += Array(pick([#"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#, #"\t"#]).utf8)
            case 1: out += Array(String(format: pick(["\\u%04x", "\\u%04X"]), bmpScalar()).utf8)
            case 2: out += Array(surrogatePairEscape().utf8)
            case 3: out += Array(String(randomScalar()).utf8)
            default: out += Array(pick(["a", "Z", " ", "0", "\u{7F}", "hello", "r1", "2026-11-26T10:00:00Z"]).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private mutating func bmpScalar() -> UInt32 {
        let value = UInt32.random(in: 0...0xFFFF, using: &rng)
        return (0xD800...0xDFFF).contains(value) ? value - 0x1000 : value
    }

    private mutating func surrogatePairEscape() -> String {
        let scalar = UInt32.random(in: 0x10000...0x10FFFF, using: &rng) - 0x10000
        let format = pick(["\\u%04x\\u%04x", "\\u%04X\\u%04X"])
        return String(format: format, 0xD800 + (scalar >> 10), 0xDC00 + (scalar & 0x3FF))
    }

    private mutating func randomScalar() -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
        let value = UInt32.random(in: pick(ranges), using: &rng)
        return Unicode.Scalar(value) ?? "?"
    }

    private mutating func number(_ out: inout [UInt8]) {
        var text = chance(30) ? "-" : ""
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: text += "0"
        case 1: text += String(Int.random(in: 1...1_000_000, using: &rng))
        case 2: text += String(UInt64.random(in: 1 << 52...UInt64.max, using: &rng))
        case 3:
            text +=
                String(UInt64.random(in: 1...UInt64.max, using: &rng))
                + String(Int.random(in: 0...999_999, using: &rng))
        default: text += String(Int.random(in: 0...99_999, using: &rng))
        }
        if chance(40) {
            text += "." + String(Int.random(in: 0...9_999_999, using: &rng))
        }
        if chance(30) {
            text += pick(["e", "E", "e+", "e-", "E-"]) + String(Int.random(in: 0...40, using: &rng))
        }
        out += Array(text.utf8)
    }
}

/// What Foundation's `JSONSerialization` makes of a line; the oracle of the fuzz test.
private enum FoundationVerdict {
    case object([String: Any])
    case notObject
    case notJSON(String)

    init(_ bytes: [UInt8]) {
        do {
            let parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            self = (parsed as? [String: Any]).map { .object($0) } ?? .notObject
        } catch {
            self = .notJSON(String(describing: error))
        }
    }

    var result: JSONLineScanResult {
        switch self {
        case .object: .object
        case .notObject: .notObject
        case .notJSON: .notJSON
        }
    }
}

/// Known, deliberate differences between Foundation and the scanner.
private enum KnownDifference {
    /// Foundation guesses the encoding from a BOM or from NUL bytes at the start (UTF-16/32) and skips a
    /// UTF-8 BOM; the scanner reads UTF-8 only and rejects a BOM.
    static func encodingDetection(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) || bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE])
            || bytes.prefix(4).contains(0)
    }

    /// Foundation accepts a trailing comma before `]` or `}`; RFC 8259 and Python do not.
    static func trailingComma(_ bytes: [UInt8]) -> Bool {
        var inString = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") { index += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: ",") {
                let next = bytes[(index + 1)...].first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
                if next == UInt8(ascii: "]") || next == UInt8(ascii: "}") { return true }
            }
            index += 1
        }
        return false
    }

    /// Foundation rejects a number that overflows a Double; the scanner reports `.nonFiniteNumber` instead.
    static func overflowingNumber(_ message: String) -> Bool {
        message.contains("is not representable")
    }
}

/// Whether the scanner's value for a key agrees with what Foundation decoded for it.
private func agrees(_ ours: JSONValue?, with theirs: Any?) -> Bool {
    // On Linux, Foundation decodes JSON booleans as __NSCFBoolean, and numbers as other NSNumbers.
    let theirsIsBool = theirs.map { String(describing: type(of: $0)) == "__NSCFBoolean" } ?? false
    switch ours {
    case nil: return theirs == nil
    case .null: return theirs is NSNull
    case .bool(let value): return theirsIsBool && (theirs as? Bool) == value
    case .string(let value): return (theirs as? String).map { Array($0.utf8) == Array(value.utf8) } ?? false
    case .array: return theirs is [Any]
    case .object: return theirs is [String: Any]
    case .nonFiniteNumber: return false
    case .number(let value, let exactInteger):
        guard let number = theirs as? NSNumber, !theirsIsBool else { return false }
        if theirs is NSDecimalNumber {
            // Foundation keeps long literals as Decimal, whose Double conversion is not correctly rounded.
            return abs(number.doubleValue - value) <= abs(value) * 1e-15
        }
        if let exactInteger, number.int64Value != exactInteger { return false }
        return number.doubleValue == value
    }
}

struct JSONLineScannerFuzzTests {
    static let keys = JSONLineGenerator.keys

    /// Compares the scanner with Foundation on generated lines and on mutations of them.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func scannerAgreesWithFoundation(seed: UInt64) {
        var generator = JSONLineGenerator(rng: SplitMix64(seed: seed))
        var scanner = JSONLineScanner(keys: Self.keys)
        var counts = (agreed: 0, skipped: 0, rejected: 0)
        for _ in 0..<1_000 {
            let valid = generator.line()
            let first = check(valid, with: &scanner, counts: &counts)
            #expect(first != .notJSON, "generated line rejected: \(describe(valid))")
            for _ in 0..<3 {
                check(generator.mutate(valid), with: &scanner, counts: &counts)
            }
        }
        // The generator must exercise both sides: plenty of accepted and of rejected lines.
        #expect(counts.agreed > 3_000 && counts.rejected > 1_000 && counts.skipped < 200)
    }

    @discardableResult
    private func check(
        _ bytes: [UInt8], with scanner: inout JSONLineScanner, counts: inout (agreed: Int, skipped: Int, rejected: Int)
    ) -> JSONLineScanResult {
        let ours = bytes.withUnsafeBytes { scanner.scan($0) }
        let theirs = FoundationVerdict(bytes)
        if ours != theirs.result {
            counts.skipped += 1
            var explained = KnownDifference.encodingDetection(bytes)
            if case .notJSON(let message) = theirs {
                explained = explained || (ours != .notJSON && KnownDifference.overflowingNumber(message))
            } else {
                explained = explained || (ours == .notJSON && KnownDifference.trailingComma(bytes))
            }
            #expect(explained, "scanner \(ours), Foundation \(theirs.result): \(describe(bytes))")
            return ours
        }
        counts.agreed += 1
        if ours == .notJSON { counts.rejected += 1 }
        guard case .object(let dictionary) = theirs else { return ours }
        for (key, value) in zip(Self.keys, scanner.values) where !agrees(value, with: dictionary[key]) {
            Issue.record("\(key): scanner \(String(describing: value)), Foundation \(dictionary[key] ?? "nil")")
        }
        return ours
    }

    private func describe(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).debugDescription + " "
            + bytes.map { String($0, radix: 16) }.joined(separator: " ")
    }
}
