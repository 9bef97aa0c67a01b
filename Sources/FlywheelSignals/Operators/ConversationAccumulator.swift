import FlywheelEngine

/// A prompt or response kept for `sft_example`: 56 bytes.
public struct ConversationMessage: Sendable {
    /// The event time in milliseconds, shifted left by two, with `isPrompt` in bit 0 and `hasPII` in bit 1:
    /// the two flags beside the strings would have padded the message to 64 bytes. Times beyond ±2^61 ms
    /// (70 million years; no timestamp the decoder accepts comes near) are clamped.
    private var timeAndFlags: Int64
    public var eventId: String
    /// The id the SFT rule pairs messages by (CONTRACT 3.4): a prompt's message id, a response's parent id
    /// ("" when it has none, as the rule reads a missing one). The other id is not kept: the rule never
    /// reads it, and keeping both cost 16 bytes a message. Not an optional: a `String?` among the other
    /// strings made the compiler build each message twice and copy one (five retains).
    public var link: String
    public var text: String

    public init(
        time: EventTime, eventId: String, isPrompt: Bool, messageId: String, parentId: String?, text: String,
        hasPII: Bool = false
    ) {
        let millis = Swift.min(Swift.max(time.millis, -(1 << 61)), (1 << 61) - 1)
        timeAndFlags = millis << 2 | (isPrompt ? 1 : 0) | (hasPII ? 2 : 0)
        self.eventId = eventId
        self.link = isPrompt ? messageId : parentId ?? ""
        self.text = text
    }

    public var time: EventTime { EventTime(millis: timeAndFlags >> 2) }
    public var isPrompt: Bool { timeAndFlags & 1 != 0 }
    /// Whether the text holds an e-mail address or phone number (so needs redaction).
    public var hasPII: Bool { timeAndFlags & 2 != 0 }

    /// A prompt's message id; "" for a response (not kept).
    public var messageId: String { isPrompt ? link : "" }
    /// A response's parent id, nil when it has none; nil for a prompt (not kept).
    public var parentId: String? { isPrompt || link.isEmpty ? nil : link }
}

/// The state of one conversation session (CONTRACT 3.3-3.5): counters, the earliest user id, the
/// models, the PII count and, when SFT examples are wanted, the prompts and responses.
public struct ConversationAccumulator: MergeableAccumulator, Sendable {
    public struct Input: Sendable {
        /// The event's fields, not a copy of the event: an input lives only while its event is added, and
        /// holding the event would retain and release it (an atomic pair per event on another core's memory).
        unowned(unsafe) let event: ChatEvent.Storage
        let keepMessages: Bool
        let piiCount: Int

        /// `event` must outlive the input.
        init(event: borrowing ChatEvent, keepMessages: Bool, piiCount: Int) {
            self.event = event.fields
            self.keepMessages = keepMessages
            self.piiCount = piiCount
        }
    }

    /// Prompts, responses, thumbs up and down, regenerations, copies, errors and PII found: 32 bits each unless
    /// one grows past them (`SessionCounts`).
    var counts = SessionCounts()
    public var first = EventTime.max
    public var last = EventTime.min
    /// The earliest (time, event id) event with a non-empty user id, and that id.
    public var user: (time: EventTime, eventId: String, userId: String)?
    /// The distinct models, in first-seen order: the first inline (nearly every session has one, and an
    /// array of one would be an allocation per open conversation), the others indexed past a few.
    private var modelList = FirstSeenStrings()

    /// Distinct models, in first-seen order.
    public var models: [String] {
        get { modelList.all }
        set { modelList = FirstSeenStrings(newValue) }
    }

    /// The one model of a session that has one, else nil (the summary's common case, written without an array).
    var onlyModel: String? { modelList.only }
    public var messages: [ConversationMessage] = []
    /// Whether the session can no longer give an SFT example (a thumbs-down, an error or a
    /// regeneration is final): its messages are then dropped and no more are kept.
    public var cannotBeExample: Bool { counts[.feedbackDown] > 0 || counts[.errors] > 0 || counts[.regenerations] > 0 }

    public init() {}

    public mutating func add(_ input: Input) {
        unowned(unsafe) let event = input.event
        first = Swift.min(first, event.time)
        last = Swift.max(last, event.time)
        countType(event.type, rating: event.rating)
        if let userId = event.userId, !userId.isEmpty, Self.isEarlier(event.time, event.eventId, than: user) {
            user = (event.time, event.eventId, userId)
        }
        if event.type.countsForModelQuality, let model = event.model { addModel(model) }
        if input.piiCount > 0 { counts.add(Int64(input.piiCount), to: .piiFound) }
        if cannotBeExample {
            if !messages.isEmpty { messages = [] }
        } else if input.keepMessages, event.type == .prompt || event.type == .response {
            let isPrompt = event.type == .prompt
            let message = ConversationMessage(
                time: event.time, eventId: event.eventId, isPrompt: isPrompt,
                messageId: isPrompt ? event.messageId ?? "" : "", parentId: isPrompt ? nil : event.parentId,
                text: event.text ?? "", hasPII: input.piiCount > 0)
            // Sessions hold a few prompts and responses: room for 4 at once instead of growing 1, 2, 4, then
            // by half (6, 9) rather than doubling to 8.
            messages.appendGrowingByHalf(message, minimum: 4)
        }
    }

    private mutating func addModel(_ model: String) { _ = modelList.place(of: model) }

    private mutating func countType(_ type: ChatEventType, rating: Rating?) {
        switch type {
        case .prompt: counts.add(1, to: .prompts)
        case .response: counts.add(1, to: .responses)
        case .feedback: counts.add(1, to: rating == .up ? .feedbackUp : .feedbackDown)
        case .regenerate: counts.add(1, to: .regenerations)
        case .copy: counts.add(1, to: .copies)
        case .error: counts.add(1, to: .errors)
        case .choice: break
        }
    }

    public mutating func merge(_ other: ConversationAccumulator) {
        counts.add(other.counts)
        first = Swift.min(first, other.first)
        last = Swift.max(last, other.last)
        if let theirs = other.user, Self.isEarlier(theirs.time, theirs.eventId, than: user) { user = theirs }
        for place in 0..<other.modelList.count { addModel(other.modelList[place]) }
        if cannotBeExample {
            messages = []
        } else {
            messages.append(contentsOf: other.messages)
        }
    }

    /// Event-time order, ties by event id in code-point order; reads the id only on a time tie.
    private static func isEarlier(
        _ time: EventTime, _ eventId: @autoclosure () -> String,
        than current: (time: EventTime, eventId: String, userId: String)?
    ) -> Bool {
        guard let current else { return true }
        if time != current.time { return time < current.time }
        return utf8Precedes(eventId(), current.eventId)
    }

    /// The models in code-point order, as the summary lists them; not re-sorted when in order
    /// already (most sessions have one model).
    public var sortedModels: [String] {
        func precedes(_ a: String, _ b: String) -> Bool { utf8Precedes(a, b) }
        let models = models
        guard models.indices.dropFirst().contains(where: { precedes(models[$0], models[$0 - 1]) }) else {
            return models
        }
        return models.sorted(by: precedes)
    }

    /// `negative` if any thumbs-down or error, else `positive` if any thumbs-up, else `neutral`.
    public var outcome: String {
        if counts[.feedbackDown] > 0 || counts[.errors] > 0 { return "negative" }
        return counts[.feedbackUp] > 0 ? "positive" : "neutral"
    }
}
