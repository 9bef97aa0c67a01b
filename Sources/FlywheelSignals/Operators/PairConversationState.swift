import FlywheelEngine

/// Which rule made a preference pair hold (CONTRACT 3.2).
public enum PairSource: String, Sendable {
    case choice, feedback, regenerate
}

/// The event that made a pair rule hold, as needed to date the pair or dead-letter it.
struct RuleEvent: Sendable {
    var eventId: String
    var time: EventTime
    var type: ChatEventType
    var origin: EventOrigin
    /// The input element after which the event was released (its arrival; for an event released
    /// behind the watermark, the element that next moved W), so its dead letter never sorts before it.
    var sequence: Int64
}

/// A pair whose rule holds but whose texts are not all known yet.
struct WaitingPair: Sendable {
    var chosen: String
    var rejected: String
    var source: PairSource
    var rule: RuleEvent
}

/// What one conversation's pair logic remembers (CONTRACT 3.2): prompt and response texts (the
/// latest per message id in event-time order), latest ratings, regenerated responses, the pairs
/// already claimed and the pairs still waiting.
///
/// Messages are numbered by slot in the order their ids are first seen. Conversations hold a
/// handful of messages, so they live in one array searched linearly; past `indexThreshold` messages
/// an id index and the responses grouped by prompt keep every look-up independent of the
/// conversation's length.
struct PairConversationState: Sendable {
    struct Response: Sendable {
        var text: String
        var model: String
        var promptId: String
    }

    /// A message is a prompt, a response, or neither yet (an id that only a rating, a regeneration or a
    /// choice named so far). Its text, model and prompt id are stored once for either kind, and the hashes
    /// searches compare first sit in the message: 80 bytes a message, in one array per conversation.
    struct Message: Sendable {
        private enum Kind: UInt8, Sendable { case unknown, prompt, response }

        var id: String
        /// The prompt's or the response's text ("" while neither).
        private(set) var text = ""
        private var model = ""
        /// The prompt a response answers ("" unless a response).
        private(set) var promptId = ""
        private var order: Int32 = 0
        /// The low halves of the stable hashes of `id` and of a response's prompt id (0 unless a response):
        /// searches compare them before the strings, which decide.
        private(set) var idHash: UInt32
        private(set) var promptHash: UInt32 = 0
        private var kind = Kind.unknown
        var rating: Rating?
        var regenerated = false

        init(id: String) {
            self.id = id
            idHash = Self.hash(id)
        }

        static func hash(_ id: String) -> UInt32 { UInt32(truncatingIfNeeded: StableHash.hash(id)) }

        // Read through these in place (`messages[i].isResponse`), not through `response` or a copy of the
        // message: either copies its strings (a retain and release each).
        var isPrompt: Bool { kind == .prompt }
        var isResponse: Bool { kind == .response }
        /// Latest rating up: can be chosen.
        var isUp: Bool { rating == .up }
        /// Latest rating down, or regenerated: can be rejected.
        var isDownOrRegenerated: Bool { rating == .down || regenerated }

        /// The prompt's text, nil unless the message is a prompt. Setting nil forgets a prompt, and only a prompt.
        var promptText: String? {
            get { kind == .prompt ? text : nil }
            set {
                if let newValue {
                    (kind, text, model, promptId, promptHash) = (.prompt, newValue, "", "", 0)
                } else if kind == .prompt {
                    (kind, text) = (.unknown, "")
                }
            }
        }

        /// The response, nil unless the message is a response. Setting nil forgets a response, and only a response.
        var response: Response? {
            get { kind == .response ? Response(text: text, model: model, promptId: promptId) : nil }
            set {
                if let newValue {
                    (kind, text, model, promptId) = (.response, newValue.text, newValue.model, newValue.promptId)
                    promptHash = Self.hash(newValue.promptId)
                } else if kind == .response {
                    (kind, text, model, promptId, promptHash) = (.unknown, "", "", "", 0)
                }
            }
        }

        /// Order in which the response was first seen, for stable sibling order.
        var responseOrder: Int {
            get { Int(order) }
            set { order = Int32(clamping: newValue) }
        }
    }

    static let indexThreshold = 24

    /// Room for a short conversation's messages (two turns) is made at the first, so the array is not
    /// regrown message by message; longer ones grow by half (6, 9, ...), not by doubling: reserving 8 at
    /// once cost an open conversation 235 more bytes (`flywheel bench state`).
    private(set) var messages: [Message] = []

    init() {}
    /// Empty (no allocation) until the conversation passes `indexThreshold` messages.
    private var index: [ExactKey: Int] = [:]
    /// Kept only while `index` is (past `indexThreshold` messages).
    private var groups = PairResponseGroups()
    private var responsesSeen = 0
    var claimed = PairKeySet()
    var waits = PairWaitList()
    var lastTime = EventTime.min

    private var isIndexed: Bool { !index.isEmpty }

    /// Replaces the messages with restored ones (checkpoint restore).
    mutating func restoreMessages(_ restored: [Message]) {
        messages = restored
        responsesSeen = restored.map(\.responseOrder).max() ?? 0
        index = [:]
        groups = PairResponseGroups()
        if messages.count > Self.indexThreshold { buildIndex() }
    }

    func find(_ id: String) -> Int? {
        if isIndexed { return index[ExactKey(id)] }
        let hash = Message.hash(id)
        var index = 0
        while index < messages.count {
            if messages[index].idHash == hash && messages[index].id.isExactly(id) { return index }
            index += 1
        }
        return nil
    }

    /// The message with `id`, created empty when unknown.
    mutating func slot(_ id: String) -> Int {
        if let existing = find(id) { return existing }
        messages.appendGrowingByHalf(Message(id: id), minimum: 4)
        if isIndexed {
            index[ExactKey(id)] = messages.count - 1
        } else if messages.count > Self.indexThreshold {
            buildIndex()
        }
        return messages.count - 1
    }

    private mutating func buildIndex() {
        index = Dictionary(
            messages.enumerated().map { (ExactKey($1.id), $0) }, uniquingKeysWith: { first, _ in first })
        for slot in messages.indices { regroup(slot) }
    }

    /// Puts the response in `slot` where its rating and regeneration say, in its prompt's group.
    private mutating func regroup(_ slot: Int) {
        guard isIndexed, messages[slot].isResponse else { return }
        groups.place(
            slot, prompt: messages[slot].promptId, up: messages[slot].isUp,
            downOrRegenerated: messages[slot].isDownOrRegenerated)
    }

    /// A message id names one message, the latest event with it (CONTRACT 3.2): a prompt that reuses a
    /// response's id ends that response, and a response that reuses a prompt's id ends that prompt.
    @discardableResult
    mutating func recordPrompt(id: String, text: String) -> Int {
        let at = slot(id)
        if messages[at].isResponse {
            if isIndexed { groups.remove(at, prompt: messages[at].promptId) }
        }
        messages[at].promptText = text  // and no longer a response
        return at
    }

    mutating func recordResponse(id: String, text: String, model: String, promptId: String) -> Int {
        let at = slot(id)
        if messages[at].isResponse {
            if isIndexed && !messages[at].promptId.isExactly(promptId) {
                groups.remove(at, prompt: messages[at].promptId)
            }
        } else {
            responsesSeen += 1
            messages[at].responseOrder = responsesSeen
        }
        messages[at].response = Response(text: text, model: model, promptId: promptId)  // and no longer a prompt
        regroup(at)
        return at
    }

    mutating func setRating(_ rating: Rating, of id: String) -> Int {
        let at = slot(id)
        messages[at].rating = rating
        regroup(at)
        return at
    }

    mutating func markRegenerated(_ id: String) -> Int {
        let at = slot(id)
        messages[at].regenerated = true
        regroup(at)
        return at
    }

    /// The other seen responses to the same prompt as the response in `slot` that are of `kind`, in
    /// the order they were first seen.
    func siblings(of slot: Int, _ kind: PairResponseGroups.Kind) -> [Int] {
        guard messages[slot].isResponse else { return [] }
        var found: [Int] = []
        if isIndexed {
            for other in groups.members(of: messages[slot].promptId, kind) where other != slot { found.append(other) }
        } else {
            let promptHash = messages[slot].promptHash
            for other in messages.indices where other != slot && messages[other].promptHash == promptHash {
                guard messages[other].isResponse, Self.isKind(kind, messages[other]),
                    messages[other].promptId.isExactly(messages[slot].promptId)
                else { continue }
                found.append(other)
            }
        }
        if found.count > 1 { found.sort { messages[$0].responseOrder < messages[$1].responseOrder } }
        return found
    }

    private static func isKind(_ kind: PairResponseGroups.Kind, _ message: borrowing Message) -> Bool {
        switch kind {
        case .up: return message.isUp
        case .downOrRegenerated: return message.isDownOrRegenerated
        }
    }

    /// The slot of the prompt that the response in `slot` answers (created when unknown), or -1
    /// while that response is unknown.
    mutating func promptSlot(ofResponse slot: Int) -> Int {
        guard messages[slot].isResponse else { return -1 }
        return self.slot(messages[slot].promptId)
    }

    /// The texts of a pair when all are known and both responses answer the same prompt.
    func resolve(chosen: Int, rejected: Int) -> (prompt: String, chosen: Response, rejected: Response)? {
        guard messages[chosen].promptHash == messages[rejected].promptHash, messages[chosen].isResponse,
            messages[rejected].isResponse, messages[chosen].promptId.isExactly(messages[rejected].promptId),
            let prompt = find(messages[chosen].promptId), messages[prompt].isPrompt
        else { return nil }
        return (messages[prompt].text, messages[chosen].response!, messages[rejected].response!)
    }
}
