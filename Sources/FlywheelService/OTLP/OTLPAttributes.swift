import Foundation

typealias OTLPKeyValue = Opentelemetry_Proto_Common_V1_KeyValue
typealias OTLPAnyValue = Opentelemetry_Proto_Common_V1_AnyValue

/// Typed reads of OpenTelemetry attributes: a record's own, then its resource's (for keys an application may
/// set once per process, such as `flywheel.variant`). The last occurrence of a key wins.
struct OTLPAttributes {
    var own: [OTLPKeyValue]
    var resource: [OTLPKeyValue] = []

    func value(_ key: String) -> OTLPAnyValue? {
        if let found = own.last(where: { $0.key == key }), found.value.value != nil { return found.value }
        if let found = resource.last(where: { $0.key == key }), found.value.value != nil { return found.value }
        return nil
    }

    /// A string attribute; nil when absent or of another type.
    func string(_ key: String) -> String? {
        guard case .stringValue(let text)? = value(key)?.value else { return nil }
        return text
    }

    /// The first present string among `keys`.
    func string(_ keys: String...) -> String? {
        keys.lazy.compactMap { string($0) }.first
    }

    /// An integer attribute (an int, or a double without a fraction); nil when absent or of another type.
    func integer(_ key: String) -> Int64? {
        switch value(key)?.value {
        case .intValue(let number)?: return number
        case .doubleValue(let number)? where number.rounded() == number && abs(number) < 9e15: return Int64(number)
        default: return nil
        }
    }

    /// A number attribute (int or double); nil when absent or of another type.
    func number(_ key: String) -> Double? {
        switch value(key)?.value {
        case .intValue(let number)?: return Double(number)
        case .doubleValue(let number)?: return number
        default: return nil
        }
    }

    /// Whether `key` is present with a value of a type other than the one read (for precise rejections).
    func isPresent(_ key: String) -> Bool { value(key) != nil }
}

/// The text of GenAI messages (`gen_ai.input.messages`, `gen_ai.output.messages`): a JSON string or a structured
/// array of `{role, parts: [{type: "text", content}]}` (older instrumentations: `{role, content}`).
enum GenAIMessages {
    /// The messages of an attribute value, as Foundation objects; nil when it is neither form.
    static func messages(_ value: OTLPAnyValue?) -> [[String: Any]]? {
        switch value?.value {
        case .stringValue(let json)?:
            return (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [[String: Any]]
        case .arrayValue(let array)?:
            return array.values.map(foundation) as? [[String: Any]]
        default:
            return nil
        }
    }

    /// The text of the last message with role `user` (or of the last message when none has that role).
    static func promptText(_ messages: [[String: Any]]) -> String? {
        let chosen = messages.last { ($0["role"] as? String) == "user" } ?? messages.last
        return chosen.flatMap { text(of: $0) }
    }

    /// The text of the first output message (the first choice).
    static func responseText(_ messages: [[String: Any]]) -> String? {
        messages.first.flatMap { text(of: $0) }
    }

    /// The text parts of one message, joined by new lines; nil when it has none.
    static func text(of message: [String: Any]) -> String? {
        if let content = message["content"] as? String { return content }
        guard let parts = message["parts"] as? [[String: Any]] else { return nil }
        let texts = parts.compactMap { part -> String? in
            guard (part["type"] as? String) == "text" else { return nil }
            return part["content"] as? String
        }
        return texts.isEmpty ? nil : texts.joined(separator: "\n")
    }

    /// An attribute value as the Foundation object JSON would give.
    static func foundation(_ value: OTLPAnyValue) -> Any {
        switch value.value {
        case .stringValue(let text)?: return text
        case .boolValue(let flag)?: return flag
        case .intValue(let number)?: return number
        case .doubleValue(let number)?: return number
        case .arrayValue(let array)?: return array.values.map(foundation)
        case .kvlistValue(let list)?:
            var object: [String: Any] = [:]
            for pair in list.values { object[pair.key] = foundation(pair.value) }
            return object
        case .bytesValue(let data)?: return data.base64EncodedString()
        default: return NSNull()
        }
    }
}
