import Foundation

@testable import FlywheelSignals

/// A generated log split into lines, with each line checked against the input contract.
///
/// `@unchecked Sendable`: every property is a `let` set in `init`, and the parsed JSON values
/// (String, NSNumber, NSNull) are never mutated, so sharing it between tests is safe.
struct GeneratedLog: @unchecked Sendable {
    let options: GeneratorOptions
    let stats: GeneratorStats
    let bytes: [UInt8]
    let lines: [[UInt8]]
    /// Parsed object of every line that satisfies the contract, `nil` for malformed lines.
    let objects: [[String: Any]?]

    init(_ options: GeneratorOptions) {
        var bytes: [UInt8] = []
        self.options = options
        stats = ConversationGenerator(options: options).generate { bytes.append(contentsOf: $0) }
        self.bytes = bytes
        lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map(Array.init)
        objects = lines.map(GeneratorContractCheck.validObject)
    }

    /// Indexes of lines that repeat an earlier line byte for byte.
    var duplicateIndexes: Set<Int> {
        var seen = Set<[UInt8]>()
        var repeats = Set<Int>()
        for (index, line) in lines.enumerated() where !seen.insert(line).inserted { repeats.insert(index) }
        return repeats
    }

    /// Valid first copies, in arrival order.
    var events: [[String: Any]] {
        let repeats = duplicateIndexes
        return objects.enumerated().compactMap { repeats.contains($0.offset) ? nil : $0.element }
    }
}

/// The validation rules of the input contract (CONTRACT section 1), written independently of the generator.
enum GeneratorContractCheck {
    static let types: Set<String> = ["prompt", "response", "feedback", "regenerate", "copy", "choice", "error"]
    static let required: [String: [String]] = [
        "prompt": ["message_id", "text"],
        "response": ["message_id", "parent_id", "model", "text", "latency_ms"],
        "feedback": ["parent_id", "model", "rating"],
        "regenerate": ["parent_id", "model"],
        "copy": ["parent_id", "model"],
        "choice": ["parent_id", "rejected_id"],
        "error": ["model"],
    ]
    static let ids = ["event_id", "conversation_id", "message_id", "parent_id", "rejected_id", "model"]
    static let strings = ["user_id", "variant", "text", "comment", "error_code"]

    static func validObject(_ line: [UInt8]) -> [String: Any]? {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(line)),
            let object = parsed as? [String: Any]
        else { return nil }
        let present = object.filter { !($0.value is NSNull) }
        guard let type = present["type"] as? String, types.contains(type),
            let stamp = present["timestamp"] as? String, epochMillis(stamp) != nil,
            (present["event_id"] as? String).map({ $0.count <= 128 }) == true,
            required[type, default: []].allSatisfy({ present[$0] != nil }),
            ids.allSatisfy({ present[$0] == nil || (present[$0] as? String)?.isEmpty == false }),
            present["conversation_id"] != nil,
            strings.allSatisfy({ present[$0] == nil || present[$0] is String }),
            numbersAreValid(present),
            present["rating"] == nil || ["up", "down"].contains(present["rating"] as? String),
            type != "choice" || (present["parent_id"] as? String) != (present["rejected_id"] as? String)
        else { return nil }
        return present
    }

    private static func numbersAreValid(_ object: [String: Any]) -> Bool {
        if let latency = object["latency_ms"] {
            guard !(latency is String), let value = latency as? Double, value.isFinite, value >= 0 else { return false }
        }
        for key in ["tokens_in", "tokens_out"] {
            guard let tokens = object[key] else { continue }
            guard !(tokens is String), let value = tokens as? Double, value >= 0, value == value.rounded() else {
                return false
            }
        }
        return true
    }

    /// Epoch milliseconds of an RFC 3339 timestamp as the contract defines it, or `nil` when invalid.
    static func epochMillis(_ text: String) -> Int64? {
        let chars = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= chars.count else { return nil }
            var value: Int64 = 0
            for byte in chars[from..<from + count] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard chars.count >= 20, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            chars[4] == 45, chars[7] == 45, [84, 116].contains(chars[10]), chars[13] == 58, chars[16] == 58,
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        guard let (millis, index) = fraction(chars, from: 19) else { return nil }
        guard let offset = zoneMinutes(chars, from: index, number: number) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return ((days * 24 + hour) * 60 + minute - offset) * 60_000 + second * 1000 + millis
    }

    /// Milliseconds of an optional `.digits` part (extra digits truncated) and the index after it.
    private static func fraction(_ chars: [UInt8], from start: Int) -> (Int64, Int)? {
        guard start < chars.count, chars[start] == 46 else { return (0, start) }
        var index = start + 1
        var millis: Int64 = 0
        while index < chars.count, (48...57).contains(chars[index]) {
            if index - start <= 3 { millis = millis * 10 + Int64(chars[index] - 48) }
            index += 1
        }
        let digits = index - start - 1
        guard digits > 0 else { return nil }
        for _ in digits..<max(digits, 3) { millis *= 10 }
        return (millis, index)
    }

    private static func zoneMinutes(_ chars: [UInt8], from index: Int, number: (Int, Int) -> Int64?) -> Int64? {
        guard index < chars.count else { return nil }
        if chars[index] == 90 || chars[index] == 122 { return index + 1 == chars.count ? 0 : nil }
        guard chars[index] == 43 || chars[index] == 45, chars.count == index + 6, chars[index + 3] == 58,
            let hours = number(index + 1, 2), let minutes = number(index + 4, 2), hours <= 23, minutes <= 59
        else { return nil }
        return (chars[index] == 45 ? -1 : 1) * (hours * 60 + minutes)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month - 1)]
    }

    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// The PII patterns of CONTRACT section 3.4.
enum GeneratorContractPII {
    static let email = try? NSRegularExpression(pattern: #"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"#)
    static let phone = try? NSRegularExpression(pattern: #"(\+\d{1,3}[ .-]?)?(\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}"#)

    static func contains(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..., in: text)
        return [email, phone].contains { $0?.firstMatch(in: text, range: range) != nil }
    }
}
