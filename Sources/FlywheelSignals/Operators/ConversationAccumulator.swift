import FlywheelEngine

/// A kept message's event time with its two flags (`isPrompt` in bit 0, `hasPII` in bit 1) below the
/// milliseconds: 8 bytes where the flags beside the time would take 16. Times beyond ±2^61 ms (70 million
/// years; no timestamp the decoder accepts comes near) are clamped.
public struct MessageStamp: Sendable {
    let raw: Int64

    init(raw: Int64) { self.raw = raw }

    init(time: EventTime, isPrompt: Bool, hasPII: Bool) {
        let millis = Swift.min(Swift.max(time.millis, -(1 << 61)), (1 << 61) - 1)
        raw = millis << 2 | (isPrompt ? 1 : 0) | (hasPII ? 2 : 0)
    }

    public var time: EventTime { EventTime(millis: raw >> 2) }
    public var isPrompt: Bool { raw & 1 != 0 }
    /// Whether the text holds an e-mail address or phone number (so needs redaction).
    public var hasPII: Bool { raw & 2 != 0 }
}

/// A prompt or response kept for `sft_example`, as a value (a session keeps its messages as bytes, in a
/// `MessageLog`; checkpoints and tests read and write them as values).
public struct ConversationMessage: Sendable {
    let stamp: MessageStamp
    public var eventId: String
    /// The id the SFT rule pairs messages by (CONTRACT 3.4): a prompt's message id, a response's parent id
    /// ("" when it has none, as the rule reads a missing one). The other id is not kept: the rule never
    /// reads it.
    public var link: String
    public var text: String

    public init(
        time: EventTime, eventId: String, isPrompt: Bool, messageId: String, parentId: String?, text: String,
        hasPII: Bool = false
    ) {
        self.init(
            stamp: MessageStamp(time: time, isPrompt: isPrompt, hasPII: hasPII), eventId: eventId,
            link: isPrompt ? messageId : parentId ?? "", text: text)
    }

    init(stamp: MessageStamp, eventId: String, link: String, text: String) {
        self.stamp = stamp
        self.eventId = eventId
        self.link = link
        self.text = text
    }

    public var time: EventTime { stamp.time }
    public var isPrompt: Bool { stamp.isPrompt }
    public var hasPII: Bool { stamp.hasPII }

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
        let event: Unmanaged<ChatEvent.Storage>
        let keepMessages: Bool
        let piiCount: Int

        /// `event` must outlive the input.
        init(event: borrowing ChatEvent, keepMessages: Bool, piiCount: Int) {
            self.event = event.unmanagedFields
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
    /// The prompts and responses kept for the SFT example, as bytes.
    public private(set) var log = MessageLog()

    /// The kept prompts and responses, as values (checkpoints and tests).
    public var messages: [ConversationMessage] {
        get { log.messages }
        set { log = MessageLog(newValue) }
    }
    /// Whether the session can no longer give an SFT example (a thumbs-down, an error or a
    /// regeneration is final): its messages are then dropped and no more are kept.
    public var cannotBeExample: Bool { counts[.feedbackDown] > 0 || counts[.errors] > 0 || counts[.regenerations] > 0 }

    public init() {}

    public mutating func add(_ input: Input) {
        input.event._withUnsafeGuaranteedRef { add(input, $0) }
    }

    private mutating func add(_ input: Input, _ event: ChatEvent.Storage) {
        first = Swift.min(first, event.time)
        last = Swift.max(last, event.time)
        countType(event.type, rating: event.rating)
        // Ids and text read in place: the input holds the event's storage while it is added.
        if let userId = event.unsafeId(.userId), !userId.isEmpty {
            let eventId = event.unsafeId(.eventId)!
            if isEarlierThanUser(event.time, eventId) {
                user = (event.time, String(decoding: eventId, as: UTF8.self), String(decoding: userId, as: UTF8.self))
            }
        }
        if event.type.countsForModelQuality, let model = event.unsafeId(.model) { _ = modelList.place(utf8: model) }
        if input.piiCount > 0 { counts.add(Int64(input.piiCount), to: .piiFound) }
        if cannotBeExample {
            if !log.isEmpty { log.removeAll() }
        } else if input.keepMessages, event.type == .prompt || event.type == .response {
            let isPrompt = event.type == .prompt
            let none = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            log.append(
                time: event.time, eventId: event.unsafeId(.eventId)!, isPrompt: isPrompt,
                link: event.unsafeId(isPrompt ? .messageId : .parentId) ?? none, text: event.unsafeText ?? none,
                hasPII: input.piiCount > 0)
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
        if let theirs = other.user {
            var eventId = theirs.eventId
            if eventId.withUTF8({ isEarlierThanUser(theirs.time, $0) }) { user = theirs }
        }
        for place in 0..<other.modelList.count { addModel(other.modelList[place]) }
        if cannotBeExample {
            log.removeAll()
        } else {
            log.append(contentsOf: other.log)
        }
    }

    /// Whether an event at `time` whose id's UTF-8 is `eventId` comes before `user`'s: event-time order, ties by
    /// event id in code-point order (the id is read only on a time tie). Reads `user`'s fields in place (passing
    /// it would copy its Strings, a retain each).
    private func isEarlierThanUser(_ time: EventTime, _ eventId: UnsafeBufferPointer<UInt8>) -> Bool {
        guard user != nil else { return true }
        if time != user!.time { return time < user!.time }
        return utf8Precedes(eventId, user!.eventId)
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
