/// The input fields of CONTRACT section 1, in table order (the order validation reports them).
public enum ChatField: Int, CaseIterable, Sendable {
    case eventId, type, timestamp, conversationId, userId, messageId, parentId, rejectedId, model, variant
    case text, latencyMs, tokensIn, tokensOut, rating, comment, errorCode

    /// The JSON key.
    public var key: String {
        switch self {
        case .eventId: return "event_id"
        case .type: return "type"
        case .timestamp: return "timestamp"
        case .conversationId: return "conversation_id"
        case .userId: return "user_id"
        case .messageId: return "message_id"
        case .parentId: return "parent_id"
        case .rejectedId: return "rejected_id"
        case .model: return "model"
        case .variant: return "variant"
        case .text: return "text"
        case .latencyMs: return "latency_ms"
        case .tokensIn: return "tokens_in"
        case .tokensOut: return "tokens_out"
        case .rating: return "rating"
        case .comment: return "comment"
        case .errorCode: return "error_code"
        }
    }

    /// Fields every event requires, in the order validation checks them.
    public static let alwaysRequired: [ChatField] = fields(in: alwaysRequiredBits)

    /// Fields each type requires besides `alwaysRequired`, in table order.
    public static func required(by type: ChatEventType) -> [ChatField] { fields(in: requiredBits(by: type)) }

    /// `alwaysRequired` as a set of bits (`bit`), what the decoder checks: it reads a static array only by
    /// retaining and releasing it, once per line.
    static var alwaysRequiredBits: UInt32 {
        bit(.eventId) | bit(.type) | bit(.timestamp) | bit(.conversationId)
    }

    /// `required(by:)` as a set of bits (`bit`); a set's lowest missing bit is its first missing field in table order.
    static func requiredBits(by type: ChatEventType) -> UInt32 {
        switch type {
        case .prompt: return bit(.messageId) | bit(.text)
        case .response: return bit(.messageId) | bit(.parentId) | bit(.model) | bit(.text) | bit(.latencyMs)
        case .feedback: return bit(.parentId) | bit(.model) | bit(.rating)
        case .regenerate, .copy: return bit(.parentId) | bit(.model)
        case .choice: return bit(.parentId) | bit(.rejectedId)
        case .error: return bit(.model)
        }
    }

    /// The field's bit in a set of fields: `1 << rawValue`.
    @inline(__always)
    static func bit(_ field: ChatField) -> UInt32 { 1 << UInt32(field.rawValue) }

    /// The fields of a set of bits, in table order.
    static func fields(in bits: UInt32) -> [ChatField] { allCases.filter { bits & bit($0) != 0 } }
}
