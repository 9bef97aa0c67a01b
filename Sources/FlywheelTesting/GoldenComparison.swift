import FlywheelSignals
import Foundation

/// Compares a replay output folder with an expected one the way the contract's examples say:
/// records of one kind as a set keyed by their key fields (whole records where there is no key),
/// numbers numerically (latency percentiles within 1 %), `source` and `detail` of side outputs as
/// free text, and `summary.json` exactly. Records must also come in the expected order (CONTRACT 6), and
/// strings compare by code points: "caf\u{E9}" and "cafe\u{301}" are different keys.
public enum GoldenComparison {
    /// Key fields per record kind; empty means the whole record is the key.
    static let keyFields: [String: [String]] = [
        "model_quality": ["window_start", "window_end", "model", "variant"],
        "quality_alert": ["window_start", "window_end", "model", "variant"],
        "preference_pair": ["pair_id", "conversation_id"],
        "conversation_summary": ["conversation_id", "session_start"],
        "late_event": ["event_id", "position"],
        "sft_example": [],
        "dead_letter": [],
    ]
    static let freeText: Set<String> = ["source", "detail"]

    /// Every difference found, as readable lines; empty when the folders agree.
    public static func differences(actual: String, expected: String) -> [String] {
        var problems: [String] = []
        for kind in RecordKind.allCases {
            let name = kind.fileName
            guard let want = try? records(at: (expected as NSString).appendingPathComponent(name)) else {
                problems.append("\(name): expected file unreadable")
                continue
            }
            guard let got = try? records(at: (actual as NSString).appendingPathComponent(name)) else {
                problems.append("\(name): missing or unreadable in the output")
                continue
            }
            problems += compare(kind.name, got: got, want: want)
        }
        problems += compareSummary(actual: actual, expected: expected)
        return problems
    }

    /// Parses a JSONL file into objects.
    public static func records(at path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let dictionary = object as? [String: Any] else { throw CocoaError(.coderReadCorrupt) }
            return dictionary
        }
    }

    static func compare(_ kind: String, got: [[String: Any]], want: [[String: Any]]) -> [String] {
        let fields = keyFields[kind] ?? []
        var wanted: [String: [[String: Any]]] = [:]
        for record in want { wanted[key(record, fields), default: []].append(record) }
        var problems: [String] = []
        let gotOrder = got.map { key($0, fields) }
        let wantOrder = want.map { key($0, fields) }
        if gotOrder != wantOrder && Set(gotOrder) == Set(wantOrder) && gotOrder.count == wantOrder.count {
            problems.append(
                "\(kind): records out of order: \(gotOrder.map(readable)), expected \(wantOrder.map(readable))")
        }
        for record in got {
            let k = key(record, fields)
            guard var candidates = wanted[k], !candidates.isEmpty else {
                problems.append("\(kind): unexpected record \(readable(k))")
                continue
            }
            let expected = candidates.removeFirst()
            wanted[k] = candidates
            problems += fieldDifferences(kind, k, got: record, want: expected)
        }
        for (k, rest) in wanted where !rest.isEmpty { problems.append("\(kind): missing record \(readable(k))") }
        return problems
    }

    static func isSideOutput(_ kind: String?) -> Bool { kind == "dead_letter" || kind == "late_event" }

    static func key(_ record: [String: Any], _ fields: [String]) -> String {
        if fields.isEmpty {
            let trimmed = record.filter { !(freeText.contains($0.key) && isSideOutput(record["signal"] as? String)) }
            return exact(display(trimmed))
        }
        return exact(fields.map { "\($0)=\(display(record[$0] ?? NSNull()))" }.joined(separator: " "))
    }

    static func fieldDifferences(_ kind: String, _ key: String, got: [String: Any], want: [String: Any]) -> [String] {
        var problems: [String] = []
        // `source` and `detail` of side outputs are free text; a signal's (`preference_pair.source`) is exact.
        for name in Set(got.keys).union(want.keys) where !(freeText.contains(name) && isSideOutput(kind)) {
            let tolerance = name.hasPrefix("latency_ms_p") ? 0.01 : 1e-9
            if !equal(got[name], want[name], tolerance: tolerance) {
                problems.append(
                    "\(kind) \(readable(key)): \(name) is \(display(got[name] ?? "absent")), expected \(display(want[name] ?? "absent"))"
                )
            }
        }
        return problems
    }

    static func equal(_ a: Any?, _ b: Any?, tolerance: Double) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x as NSNumber, let y as NSNumber) where !(x is Bool) && !(y is Bool):
            let (dx, dy) = (x.doubleValue, y.doubleValue)
            return dx == dy || abs(dx - dy) <= tolerance * max(abs(dx), abs(dy))
        case (let x?, let y?): return canonical(x) == canonical(y)
        default: return false
        }
    }

    /// A key's printable form (the scalars of `canonical` keys are spelled out).
    static func readable(_ key: String) -> String {
        String(
            key.split(separator: "\u{1}").map { Character(UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) ?? "?") })
    }

    /// A canonical text form: sorted keys, numbers as doubles, strings as their code points (so that
    /// canonically equivalent strings, which Swift's `==` and `Dictionary` treat as equal, stay apart).
    static func canonical(_ value: Any) -> String {
        exact(display(value))
    }

    static func exact(_ text: String) -> String {
        text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: "\u{1}")
    }

    static func display(_ value: Any) -> String {
        switch value {
        case let number as NSNumber where !(number is Bool):
            return String(number.doubleValue)
        case let dictionary as [String: Any]:
            return "{" + dictionary.keys.sorted().map { "\($0):\(display(dictionary[$0]!))" }.joined(separator: ",")
                + "}"
        case let array as [Any]:
            return "[" + array.map(display).joined(separator: ",") + "]"
        case is NSNull:
            return "null"
        default:
            return "\(value)"
        }
    }

    static func compareSummary(actual: String, expected: String) -> [String] {
        let read = { (folder: String) -> Any? in
            let path = (folder as NSString).appendingPathComponent("summary.json")
            return FileManager.default.contents(atPath: path).flatMap { try? JSONSerialization.jsonObject(with: $0) }
        }
        guard let got = read(actual) else { return ["summary.json: missing or not JSON"] }
        guard let want = read(expected) else { return ["summary.json: expected file unreadable"] }
        return canonical(got) == canonical(want)
            ? [] : ["summary.json is \(display(got)), expected \(display(want))"]
    }
}
