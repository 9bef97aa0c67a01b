import Foundation

/// Hostile input lines, each with the dead letter the contract (section 1) gives it: the reason, and the
/// field its `detail` names (nil for malformed lines, whose detail is free text).
struct HostileCase: Sendable {
    let bytes: [UInt8]
    let reason: String
    let field: String?

    init(_ text: String, _ reason: String, _ field: String? = nil) {
        self.init(bytes: Array(text.utf8), reason, field)
    }

    init(bytes: [UInt8], _ reason: String, _ field: String? = nil) {
        self.bytes = bytes
        self.reason = reason
        self.field = field
    }
}

enum HostileCorpus {
    static let time = "2026-11-26T10:00:00.000Z"

    /// A valid event of `type` with the fields the table requires, as ordered key/JSON-value pairs.
    static func valid(_ type: String, id: String) -> [(String, String)] {
        var fields: [(String, String)] = [
            ("event_id", "\"\(id)\""), ("type", "\"\(type)\""), ("timestamp", "\"\(time)\""),
            ("conversation_id", "\"c-\(id)\""),
        ]
        switch type {
        case "prompt": fields += [("message_id", "\"m-\(id)\""), ("text", "\"hello\"")]
        case "response":
            fields += [
                ("message_id", "\"m-\(id)\""), ("parent_id", "\"p\""), ("model", "\"m1\""), ("text", "\"hi\""),
                ("latency_ms", "12"),
            ]
        case "feedback": fields += [("parent_id", "\"r\""), ("model", "\"m1\""), ("rating", "\"up\"")]
        case "regenerate", "copy": fields += [("parent_id", "\"r\""), ("model", "\"m1\"")]
        case "choice": fields += [("parent_id", "\"a\""), ("rejected_id", "\"b\"")]
        default: fields += [("model", "\"m1\"")]
        }
        return fields
    }

    static func line(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// `type`'s valid event with `field` set to the JSON `value` (added when absent, removed when nil).
    static func with(_ type: String, _ id: String, _ field: String, _ value: String?) -> String {
        var fields = valid(type, id: id)
        if let index = fields.firstIndex(where: { $0.0 == field }) {
            if let value { fields[index].1 = value } else { fields.remove(at: index) }
        } else if let value {
            fields.append((field, value))
        }
        return line(fields)
    }

    static let types = ["prompt", "response", "feedback", "regenerate", "copy", "choice", "error"]

    /// Every case, numbered into unique event ids.
    static var cases: [HostileCase] {
        var cases: [HostileCase] = []
        var n = 0
        func id() -> String {
            n += 1
            return "h\(n)"
        }
        cases += malformed
        cases.append(
            HostileCase(bytes: Array(with("prompt", id(), "text", "\"x").utf8) + [0xFF, 0x22, 0x7D], "malformed_json"))
        cases.append(
            HostileCase(bytes: [0xEF, 0xBB, 0xBF] + Array(line(valid("prompt", id: id())).utf8), "malformed_json"))
        // Missing: the four fields every event needs, in the contract's order, also as null.
        for type in types {
            for field in ["event_id", "type", "timestamp", "conversation_id"] {
                cases.append(HostileCase(with(type, id(), field, nil), "missing_field", field))
            }
        }
        cases.append(HostileCase(with("prompt", id(), "event_id", "null"), "missing_field", "event_id"))
        cases.append(HostileCase(with("prompt", id(), "conversation_id", "null"), "missing_field", "conversation_id"))
        // Fields a type requires.
        let required: [String: [String]] = [
            "prompt": ["message_id", "text"], "response": ["message_id", "parent_id", "model", "text", "latency_ms"],
            "feedback": ["parent_id", "model", "rating"], "regenerate": ["parent_id", "model"],
            "copy": ["parent_id", "model"], "choice": ["parent_id", "rejected_id"], "error": ["model"],
        ]
        for (type, fields) in required.sorted(by: { $0.key < $1.key }) {
            for field in fields {
                cases.append(HostileCase(with(type, id(), field, nil), "missing_field", field))
                cases.append(HostileCase(with(type, id(), field, "null"), "missing_field", field))
            }
        }
        cases += invalidValues(id)
        cases += precedence(id)
        return cases
    }

    static let malformed: [HostileCase] = [
        "{", "}", "[]", "[{\"event_id\":\"x\"}]", "\"text\"", "42", "null", "true", "{\"a\":1,}", "{'a':1}",
        "{\"event_id\":\"x\" \"type\":\"prompt\"}", "{\"latency_ms\":NaN}", "{\"latency_ms\":Infinity}",
        "{\"latency_ms\":-Infinity}", "{\"a\":\"\\x\"}", "{\"a\":\"abc", "{\"a\":\"tab\there\"}", "{} x", "{}{}",
        "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":\"\\ud800\"}",
        "{\"event_id\":\"\\udc00\",\"type\":\"prompt\"}", "{\"a\":[1,2}", "{\"a\" 1}", "{,}", "{\"a\":1 \"b\":2}",
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ].map { HostileCase($0, "malformed_json") }

    /// One bad value per field, for the fields of the table.
    static func invalidValues(_ id: () -> String) -> [HostileCase] {
        let bad: [(String, String, String)] = [
            ("prompt", "event_id", "\"\""), ("prompt", "event_id", "5"),
            ("prompt", "event_id", "\"\(String(repeating: "e", count: 129))\""),
            ("prompt", "type", "\"thumbs\""), ("prompt", "type", "5"), ("prompt", "type", "\"Prompt\""),
            ("prompt", "timestamp", "\"2026-02-30T10:00:00Z\""), ("prompt", "timestamp", "\"2026-11-26T10:00:00\""),
            ("prompt", "timestamp", "\"2026-11-26T23:59:60Z\""), ("prompt", "timestamp", "1764151200000"),
            ("prompt", "timestamp", "\"0000-01-01T00:00:00+01:00\""),
            ("prompt", "timestamp", "\"9999-12-31T23:59:59.999-23:59\""), ("prompt", "timestamp", "\"\""),
            ("prompt", "conversation_id", "\"\""), ("prompt", "conversation_id", "[\"c\"]"),
            ("prompt", "user_id", "5"), ("prompt", "message_id", "\"\""), ("prompt", "text", "5"),
            ("response", "parent_id", "\"\""), ("feedback", "rejected_id", "\"\""), ("response", "model", "\"\""),
            ("choice", "model", "\"\""), ("prompt", "variant", "5"), ("response", "latency_ms", "-1"),
            ("response", "latency_ms", "\"5\""), ("response", "latency_ms", "1e999"),
            ("response", "tokens_in", "5.0"), ("response", "tokens_in", "-1"),
            ("response", "tokens_out", "9007199254740993"), ("response", "tokens_out", "1e3"),
            ("feedback", "rating", "\"meh\""), ("prompt", "rating", "\"UP\""), ("feedback", "comment", "5"),
            ("error", "error_code", "5"), ("choice", "rejected_id", "\"a\""),
        ]
        return bad.map { type, field, value in HostileCase(with(type, id(), field, value), "invalid_field", field) }
    }

    /// Lines with several problems: the first that applies in the contract's order names the reason.
    static func precedence(_ id: () -> String) -> [HostileCase] {
        [
            HostileCase(
                line([("type", "\"thumbs\""), ("timestamp", "\"bad\""), ("conversation_id", "\"c\"")]),
                "missing_field", "event_id"),
            HostileCase(line([("event_id", "\"\(id())\""), ("timestamp", "\"bad\"")]), "missing_field", "type"),
            HostileCase(
                line([("event_id", "\"\(id())\""), ("type", "\"thumbs\""), ("timestamp", "\"bad\"")]),
                "missing_field", "conversation_id"),
            HostileCase(
                line([
                    ("event_id", "\"\(id())\""), ("type", "\"thumbs\""), ("timestamp", "\"bad\""),
                    ("conversation_id", "\"c\""),
                ]), "invalid_field", "type"),
            HostileCase(
                with("response", id(), "latency_ms", nil).replacingOccurrences(of: "\"m1\"", with: "\"\""),
                "missing_field", "latency_ms"),
            HostileCase(
                with("response", id(), "text", "5").replacingOccurrences(of: "\"m1\"", with: "\"\""),
                "invalid_field", "model"),
            HostileCase(
                with("prompt", id(), "timestamp", "\"nope\"").replacingOccurrences(of: "\"hello\"", with: "5"),
                "invalid_field", "timestamp"),
        ]
    }
}
