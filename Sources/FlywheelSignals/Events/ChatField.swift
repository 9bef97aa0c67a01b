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

    /// Fields each type requires, in table order.
    public static func required(by type: ChatEventType) -> [ChatField] {
        switch type {
        case .prompt: return [.messageId, .text]
        case .response: return [.messageId, .parentId, .model, .text, .latencyMs]
        case .feedback: return [.parentId, .model, .rating]
        case .regenerate, .copy: return [.parentId, .model]
        case .choice: return [.parentId, .rejectedId]
        case .error: return [.model]
        }
    }
}
