import FlywheelSignals
import Foundation

/// The encoders of the training formats. Encoding is a pure function of the record (no state, no
/// clock), so the same record always gives the same bytes; keys come in the order the format
/// documents, non-ASCII text stays UTF-8.
extension TrainingFormat {
    /// The line for one preference pair, ending in "\n"; nil for the SFT formats.
    public func line(for pair: PreferencePairRecord) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(pair.prompt.utf8.count + pair.chosen.utf8.count + pair.rejected.utf8.count + 160)
        switch self {
        case .openAIDPO:
            out.append(contentsOf: #"{"input":{"messages":["#.utf8)
            Self.appendMessage(role: "user", content: pair.prompt, to: &out)
            out.append(contentsOf: #"]},"preferred_output":["#.utf8)
            Self.appendMessage(role: "assistant", content: pair.chosen, to: &out)
            out.append(contentsOf: #"],"non_preferred_output":["#.utf8)
            Self.appendMessage(role: "assistant", content: pair.rejected, to: &out)
        case .trlDPO:
            out.append(contentsOf: #"{"prompt":["#.utf8)
            Self.appendMessage(role: "user", content: pair.prompt, to: &out)
            out.append(contentsOf: #"],"chosen":["#.utf8)
            Self.appendMessage(role: "assistant", content: pair.chosen, to: &out)
            out.append(contentsOf: #"],"rejected":["#.utf8)
            Self.appendMessage(role: "assistant", content: pair.rejected, to: &out)
        case .openAISFT, .trlSFT:
            return nil
        }
        out.append(contentsOf: "]}\n".utf8)
        return out
    }

    /// The line for one SFT example, ending in "\n"; nil for the DPO formats.
    ///
    /// With `weightLastOnly` (openai-sft only; ignored by trl-sft, which has no per-message weight) every
    /// assistant message carries `"weight":0` except the last one, which carries `"weight":1`, so only the
    /// final answer is trained on. Without it no message carries `weight` (OpenAI then trains on all of them).
    public func line(for example: SFTExampleRecord, weightLastOnly: Bool = false) -> [UInt8]? {
        guard !takesPreferencePairs else { return nil }
        let weighted = weightLastOnly && self == .openAISFT
        let lastAssistant = example.messages.lastIndex { $0.role == "assistant" }
        var out: [UInt8] = []
        out.reserveCapacity(example.messages.reduce(32) { $0 + $1.content.utf8.count + 48 })
        out.append(contentsOf: #"{"messages":["#.utf8)
        for (index, message) in example.messages.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            var weight: Int?
            if weighted && message.role == "assistant" { weight = index == lastAssistant ? 1 : 0 }
            Self.appendMessage(role: message.role, content: message.content, weight: weight, to: &out)
        }
        out.append(contentsOf: "]}\n".utf8)
        return out
    }

    private static func appendMessage(role: String, content: String, weight: Int? = nil, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"role":"#.utf8)
        JSONWriter.appendEscaped(role, to: &out)
        out.append(contentsOf: #","content":"#.utf8)
        JSONWriter.appendEscaped(content, to: &out)
        if let weight { out.append(contentsOf: #","weight":\#(weight)"#.utf8) }
        out.append(UInt8(ascii: "}"))
    }
}

/// A chat message of a training record: `role` (`user` or `assistant`) and its text.
public struct TrainingMessage: Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The fields of a `preference_pair` signal record (CONTRACT 3.2) that training files need.
public struct PreferencePairRecord: Sendable, Equatable {
    public var conversationId: String
    /// `choice`, `feedback` or `regenerate`; nil when the record has none.
    public var source: String?
    public var prompt: String
    public var chosen: String
    public var rejected: String
    public var chosenModel: String?
    public var rejectedModel: String?

    public init(
        conversationId: String, source: String?, prompt: String, chosen: String, rejected: String,
        chosenModel: String? = nil, rejectedModel: String? = nil
    ) {
        self.conversationId = conversationId
        self.source = source
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.chosenModel = chosenModel
        self.rejectedModel = rejectedModel
    }

    /// Reads a decoded JSON object; `conversation_id`, `prompt`, `chosen` and `rejected` must be strings,
    /// `source`, `chosen_model` and `rejected_model` may be missing or null. Other keys are ignored.
    public init(json object: [String: Any]) throws(ExportError) {
        let fields = "a preference_pair record needs conversation_id, prompt, chosen and rejected"
        conversationId = try RecordField.string("conversation_id", in: object, needs: fields)
        prompt = try RecordField.string("prompt", in: object, needs: fields)
        chosen = try RecordField.string("chosen", in: object, needs: fields)
        rejected = try RecordField.string("rejected", in: object, needs: fields)
        source = try RecordField.optionalString("source", in: object)
        chosenModel = try RecordField.optionalString("chosen_model", in: object)
        rejectedModel = try RecordField.optionalString("rejected_model", in: object)
    }
}

/// The fields of an `sft_example` signal record (CONTRACT 3.4) that training files need.
public struct SFTExampleRecord: Sendable, Equatable {
    public var conversationId: String
    /// Prompts and responses in conversation order.
    public var messages: [TrainingMessage]

    public init(conversationId: String, messages: [TrainingMessage]) {
        self.conversationId = conversationId
        self.messages = messages
    }

    /// Reads a decoded JSON object; `conversation_id` must be a string and `messages` a non-empty array
    /// of objects with string `role` and `content`. Other keys are ignored.
    public init(json object: [String: Any]) throws(ExportError) {
        let fields = "an sft_example record needs conversation_id and messages"
        conversationId = try RecordField.string("conversation_id", in: object, needs: fields)
        guard let list = object["messages"] else {
            throw ExportError(.badRecord, "missing field \"messages\" (\(fields))")
        }
        guard let items = list as? [Any], !items.isEmpty else {
            throw ExportError(.badRecord, "field \"messages\" must be a non-empty array of {role, content} objects")
        }
        messages = []
        for (index, item) in items.enumerated() {
            guard let message = item as? [String: Any],
                let role = message["role"] as? String, let content = message["content"] as? String
            else {
                throw ExportError(
                    .badRecord, "messages[\(index)] must be an object with string \"role\" and \"content\"")
            }
            messages.append(TrainingMessage(role: role, content: content))
        }
    }

    /// The first user message's text: the "prompt" that `--dedup-prompt` compares.
    public var firstPrompt: String { messages.first { $0.role == "user" }?.content ?? "" }
}

/// Typed reads of a decoded JSON object's fields with messages that name the field.
enum RecordField {
    static func string(_ key: String, in object: [String: Any], needs: String) throws(ExportError) -> String {
        guard let value = object[key], !(value is NSNull) else {
            throw ExportError(.badRecord, "missing field \"\(key)\" (\(needs))")
        }
        guard let text = value as? String else { throw ExportError(.badRecord, "field \"\(key)\" must be a string") }
        return text
    }

    static func optionalString(_ key: String, in object: [String: Any]) throws(ExportError) -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else {
            throw ExportError(.badRecord, "field \"\(key)\" must be a string or null")
        }
        return text
    }
}
