import FlywheelSignals
import Foundation

extension DeadLetter {
    /// The top-level keys of a dead letter, in the order `jsonLine()` writes them.
    static let keys = ["record", "status", "error", "attempts", "response"]

    /// Reads a dead letter back from its JSON line (with or without the final "\n"): `record` is the
    /// record's exact bytes when it was embedded as JSON, and the string's UTF-8 when it was kept as a
    /// string. `status` and `response` may be null or absent; `record`, `error` and `attempts` must be
    /// there. Throws `Problem` with a reason a person can act on.
    public init(jsonLine line: [UInt8]) throws(Problem) {
        var body = line[...]
        if body.last == UInt8(ascii: "\n") { body = body.dropLast() }
        if body.last == UInt8(ascii: "\r") { body = body.dropLast() }
        var scanner = JSONLineScanner(keys: Self.keys)
        let verdict = body.withUnsafeBytes { scanner.scan($0) }
        switch verdict {
        case .notJSON: throw Problem("not a JSON line")
        case .notObject: throw Problem("not a JSON object")
        case .object: break
        }
        let values = scanner.values
        let record: [UInt8]
        switch values[0] {
        case nil: throw Problem(#"no "record""#)
        case .string(let text): record = Array(text.utf8)
        default:
            guard let span = Self.recordSpan(in: Array(body)) else { throw Problem(#"cannot find "record""#) }
            record = Array(body[body.startIndex + span.lowerBound..<body.startIndex + span.upperBound])
        }
        self.init(
            record: record, status: try Self.status(values[1]), error: try Self.error(values[2]),
            attempts: try Self.attempts(values[3]), response: try Self.response(values[4]))
    }

    /// Why a line is not a dead letter.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    private static func status(_ value: JSONValue?) throws(Problem) -> Int? {
        switch value {
        case nil, .null: return nil
        case .number(_, let exact?) where exact >= 100 && exact <= 999: return Int(exact)
        default: throw Problem(#""status" must be an HTTP status (100 to 999) or null"#)
        }
    }

    private static func error(_ value: JSONValue?) throws(Problem) -> String {
        guard case .string(let text) = value else { throw Problem(#""error" must be a string"#) }
        return text
    }

    private static func attempts(_ value: JSONValue?) throws(Problem) -> Int {
        guard case .number(_, let exact?) = value, exact >= 0, exact <= Int64(Int32.max) else {
            throw Problem(#""attempts" must be a whole number, 0 or more"#)
        }
        return Int(exact)
    }

    private static func response(_ value: JSONValue?) throws(Problem) -> [UInt8] {
        switch value {
        case nil, .null: return []
        case .string(let text): return Array(text.utf8)
        default: throw Problem(#""response" must be a string or null"#)
        }
    }

    /// Where the value of the last top-level "record" key lies in `line`, a valid JSON object (checked by
    /// the scanner first: this walk only finds boundaries, it does not validate).
    static func recordSpan(in line: [UInt8]) -> Range<Int>? {
        var walk = ValueWalk(bytes: line)
        walk.skipWhitespace()
        guard walk.take(UInt8(ascii: "{")) else { return nil }
        var found: Range<Int>?
        while true {
            walk.skipWhitespace()
            guard let keyRange = walk.skipString() else { return found }
            let isRecord = Self.keyIsRecord(line[keyRange])
            walk.skipWhitespace()
            guard walk.take(UInt8(ascii: ":")) else { return nil }
            walk.skipWhitespace()
            let start = walk.at
            guard walk.skipValue() else { return nil }
            if isRecord { found = start..<walk.at }
            walk.skipWhitespace()
            guard walk.take(UInt8(ascii: ",")) else { return found }
        }
    }

    /// Whether a key (with its quotes) is "record", escapes and all.
    private static func keyIsRecord(_ quoted: ArraySlice<UInt8>) -> Bool {
        guard quoted.contains(UInt8(ascii: "\\")) else { return quoted.elementsEqual(#""record""#.utf8) }
        let key = try? JSONSerialization.jsonObject(with: Data(quoted), options: [.fragmentsAllowed]) as? String
        return key == "record"
    }
}

/// Steps over the values of a JSON text already known to be valid.
private struct ValueWalk {
    let bytes: [UInt8]
    var at = 0

    mutating func skipWhitespace() {
        while at < bytes.count && DeadLetter.isWhitespace(bytes[at]) { at += 1 }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard at < bytes.count && bytes[at] == byte else { return false }
        at += 1
        return true
    }

    /// Skips a string at `at`; returns its range with the quotes.
    mutating func skipString() -> Range<Int>? {
        let start = at
        guard take(UInt8(ascii: "\"")) else { return nil }
        while at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: "\\"): at += 2
            case UInt8(ascii: "\""):
                at += 1
                return start..<at
            default: at += 1
            }
        }
        return nil
    }

    mutating func skipValue() -> Bool {
        guard at < bytes.count else { return false }
        switch bytes[at] {
        case UInt8(ascii: "\""): return skipString() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["): return skipContainer()
        default:
            let start = at
            while at < bytes.count && !Self.endsScalar(bytes[at]) { at += 1 }
            return at > start
        }
    }

    private mutating func skipContainer() -> Bool {
        var depth = 0
        while at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: "\""):
                guard skipString() != nil else { return false }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    at += 1
                    return true
                }
            default: break
            }
            at += 1
        }
        return false
    }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
            || DeadLetter.isWhitespace(byte)
    }
}
