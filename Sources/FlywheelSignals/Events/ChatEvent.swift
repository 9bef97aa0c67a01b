import FlywheelEngine

/// The kind of an interaction event (CONTRACT section 1).
public enum ChatEventType: String, Sendable, CaseIterable, Codable {
    case prompt, response, feedback, regenerate, copy, choice, error

    /// Whether model_quality counts this type (when `model` is set).
    public var countsForModelQuality: Bool {
        switch self {
        case .response, .feedback, .regenerate, .copy, .error: return true
        case .prompt, .choice: return false
        }
    }
}

public enum Rating: String, Sendable, Codable {
    case up, down
}

/// One validated interaction event. Optional fields are nil when absent or null.
public struct ChatEvent: Sendable, Equatable {
    public var eventId: String
    public var type: ChatEventType
    public var time: EventTime
    public var conversationId: String
    public var userId: String?
    public var messageId: String?
    public var parentId: String?
    public var rejectedId: String?
    public var model: String?
    /// The experiment arm; "default" when absent or empty.
    public var variant: String
    public var text: String?
    public var latencyMs: Double?
    public var tokensIn: Int64
    public var tokensOut: Int64
    public var rating: Rating?
    /// Where the event came from, for dead letters raised after acceptance.
    public var origin: EventOrigin

    public init(
        eventId: String, type: ChatEventType, time: EventTime, conversationId: String, userId: String? = nil,
        messageId: String? = nil, parentId: String? = nil, rejectedId: String? = nil, model: String? = nil,
        variant: String = "default", text: String? = nil, latencyMs: Double? = nil, tokensIn: Int64 = 0,
        tokensOut: Int64 = 0, rating: Rating? = nil, origin: EventOrigin = EventOrigin()
    ) {
        self.eventId = eventId
        self.type = type
        self.time = time
        self.conversationId = conversationId
        self.userId = userId
        self.messageId = messageId
        self.parentId = parentId
        self.rejectedId = rejectedId
        self.model = model
        self.variant = variant
        self.text = text
        self.latencyMs = latencyMs
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.rating = rating
        self.origin = origin
    }
}

/// The source and position of an input record, and its raw text when a later dead letter may
/// need it (choice, feedback and regenerate events).
public struct EventOrigin: Sendable, Equatable {
    /// Index of the source partition (input file or topic partition).
    public var partition: Int
    /// 1-based line number for files, offset for topics.
    public var position: Int64
    /// The input line cut at 1 KiB, kept only for events that can become unresolved references.
    public var raw: String?

    public init(partition: Int = 0, position: Int64 = 0, raw: String? = nil) {
        self.partition = partition
        self.position = position
        self.raw = raw
    }
}
