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
    /// A response's text and model.
    struct Response: Sendable {
        var text: String
        var model: String
    }

    /// A message is a prompt, a response, or neither yet (an id that only a rating, a regeneration or a
    /// choice named so far). Its text is stored once for either kind; a response names the prompt it answers
    /// by that prompt's slot (its id is there) and its model by its place in the conversation's models, and
    /// the hash searches compare first sits in the message: 48 bytes a message, in one array per conversation.
    struct Message: Sendable {
        private enum Kind: UInt8, Sendable { case unknown, prompt, response }

        var id: String
        /// The prompt's or the response's text ("" while neither).
        private(set) var text = ""
        /// The slot of the prompt a response answers (-1 unless a response). A slot stands for one id for
        /// the conversation's life, so comparing slots compares prompt ids exactly.
        private(set) var promptSlot: Int32 = -1
        private var order: Int32 = 0
        /// A response's model: its place among the conversation's `models` (0 unless a response).
        private(set) var model: UInt32 = 0
        /// The low 16 bits of the stable hash of `id`: searches compare them before the strings, which decide.
        private(set) var idHash: UInt16
        /// The kind (bits 0-1), the latest rating (bits 2-3: none, up, down) and whether regenerated (bit 4),
        /// in one byte.
        private var flags: UInt8 = 0

        init(id: String) {
            self.id = id
            idHash = Self.hash(id)
        }

        static func hash(_ id: String) -> UInt16 { UInt16(truncatingIfNeeded: StableHash.hash(id)) }

        private var kind: Kind {
            get { Kind(rawValue: flags & 0b11)! }
            set { flags = flags & ~0b11 | newValue.rawValue }
        }

        var rating: Rating? {
            get {
                switch flags >> 2 & 0b11 {
                case 1: return .up
                case 2: return .down
                default: return nil
                }
            }
            set { flags = flags & ~0b1100 | (newValue == nil ? 0 : newValue == .up ? 1 : 2) << 2 }
        }

        var regenerated: Bool {
            get { flags & 0b1_0000 != 0 }
            set { flags = newValue ? flags | 0b1_0000 : flags & ~0b1_0000 }
        }

        var isPrompt: Bool { kind == .prompt }
        var isResponse: Bool { kind == .response }
        /// Latest rating up: can be chosen.
        var isUp: Bool { flags >> 2 & 0b11 == 1 }
        /// Latest rating down, or regenerated: can be rejected.
        var isDownOrRegenerated: Bool { flags >> 2 & 0b11 == 2 || regenerated }

        /// The prompt's text, nil unless the message is a prompt (read in place: `messages[i].promptText`).
        /// Setting nil forgets a prompt, and only a prompt.
        var promptText: String? {
            get { kind == .prompt ? text : nil }
            set {
                if let newValue {
                    (text, model, promptSlot) = (newValue, 0, -1)
                    kind = .prompt
                } else if kind == .prompt {
                    text = ""
                    kind = .unknown
                }
            }
        }

        /// The response's text, nil unless the message is a response.
        var responseText: String? { kind == .response ? text : nil }

        /// Makes the message a response (and no longer a prompt) to the prompt in `promptSlot`, by the model
        /// in place `model` of the conversation's models.
        fileprivate mutating func setResponse(text: String, model: Int, promptSlot: Int) {
            self.text = text
            self.model = UInt32(truncatingIfNeeded: model)
            self.promptSlot = Int32(truncatingIfNeeded: promptSlot)
            kind = .response
        }

        /// Order in which the response was first seen, for stable sibling order.
        var responseOrder: Int {
            get { Int(order) }
            set { order = Int32(clamping: newValue) }
        }
    }

    /// The models of the conversation's responses: a message names its model by place, so a model is held
    /// once per conversation, not once per response.
    private var models = FirstSeenStrings()

    /// The response in `slot`, nil unless the message is a response.
    func response(at slot: Int) -> Response? {
        guard let text = messages[slot].responseText else { return nil }
        return Response(text: text, model: models[Int(messages[slot].model)])
    }

    static let indexThreshold = 24

    /// Room for a short conversation's messages (two turns) is made at the first, so the array is not
    /// regrown message by message; longer ones grow by half (6, 9, ...), not by doubling: reserving 8 at
    /// once cost an open conversation 235 more bytes (`flywheel bench state`).
    private(set) var messages: [Message] = []

    init() {}
    /// Nil (no allocation, one word) until the conversation passes `indexThreshold` messages.
    private var long: LongIndex?
    var claimed = PairKeySet()
    /// Responses first seen so far (their `responseOrder`s); 32 bits, beside the claimed pairs' count.
    private var responsesSeen: Int32 = 0
    var waits = PairWaitList()
    var lastTime = EventTime.min

    private var isIndexed: Bool { long != nil }

    /// A long conversation's message index and response groups, in one box: two words less for every other
    /// conversation. Shared by copies (a checkpoint's snapshot) until one of them changes it (then copied).
    private final class LongIndex: @unchecked Sendable {
        // Changed only through `PairConversationState.changeLong`, once the box has one reference.
        var index: [ExactKey: Int]
        var groups: PairResponseGroups

        init(index: [ExactKey: Int], groups: PairResponseGroups) {
            self.index = index
            self.groups = groups
        }
    }

    /// Changes the long conversation's index or groups (copied first if shared); nothing when not indexed.
    private mutating func changeLong(_ body: (LongIndex) -> Void) {
        guard var box = long else { return }
        long = nil  // so that `box` is its one reference unless a copy of the state holds it
        if !isKnownUniquelyReferenced(&box) { box = LongIndex(index: box.index, groups: box.groups) }
        body(box)
        long = box
    }

    /// Replaces the messages with restored ones (checkpoint restore); `promptIds` names, for each restored
    /// response's slot, the id of the prompt it answers (a slot is made for an id no message has).
    mutating func restoreMessages(
        _ restored: [Message], responses: [(slot: Int, text: String, model: String, promptId: String)]
    ) {
        messages = restored
        long = nil
        var slots: [ExactKey: Int] = [:]
        for slot in messages.indices where slots[ExactKey(messages[slot].id)] == nil {
            slots[ExactKey(messages[slot].id)] = slot
        }
        for response in responses {
            let prompt =
                slots[ExactKey(response.promptId)]
                ?? {
                    messages.append(Message(id: response.promptId))
                    slots[ExactKey(response.promptId)] = messages.count - 1
                    return messages.count - 1
                }()
            let model = models.place(of: response.model)
            messages[response.slot].setResponse(text: response.text, model: model, promptSlot: prompt)
        }
        responsesSeen = Int32(clamping: messages.map(\.responseOrder).max() ?? 0)
        if messages.count > Self.indexThreshold { buildIndex() }
    }

    /// The id of the prompt the response in `slot` answers, nil unless it is a response.
    func promptId(ofResponse slot: Int) -> String? {
        messages[slot].isResponse ? messages[Int(messages[slot].promptSlot)].id : nil
    }

    func find(_ id: String) -> Int? {
        if let long { return long.index[ExactKey(id)] }
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
            let slot = messages.count - 1
            changeLong { $0.index[ExactKey(id)] = slot }
        } else if messages.count > Self.indexThreshold {
            buildIndex()
        }
        return messages.count - 1
    }

    private mutating func buildIndex() {
        long = LongIndex(
            index: Dictionary(
                messages.enumerated().map { (ExactKey($1.id), $0) }, uniquingKeysWith: { first, _ in first }),
            groups: PairResponseGroups())
        for slot in messages.indices { regroup(slot) }
    }

    /// Puts the response in `slot` where its rating and regeneration say, in its prompt's group.
    private mutating func regroup(_ slot: Int) {
        guard isIndexed, messages[slot].isResponse else { return }
        let (prompt, up, down) = (
            Int(messages[slot].promptSlot), messages[slot].isUp, messages[slot].isDownOrRegenerated
        )
        changeLong { $0.groups.place(slot, prompt: prompt, up: up, downOrRegenerated: down) }
    }

    /// A message id names one message, the latest event with it (CONTRACT 3.2): a prompt that reuses a
    /// response's id ends that response, and a response that reuses a prompt's id ends that prompt.
    @discardableResult
    mutating func recordPrompt(id: String, text: String) -> Int {
        let at = slot(id)
        if messages[at].isResponse {
            let prompt = Int(messages[at].promptSlot)
            changeLong { $0.groups.remove(at, prompt: prompt) }
        }
        messages[at].promptText = text  // and no longer a response
        return at
    }

    /// Records a response; its prompt id gets a slot if it has none yet.
    mutating func recordResponse(id: String, text: String, model: String, promptId: String) -> Int {
        let at = slot(id)
        let prompt = slot(promptId)
        if messages[at].isResponse {
            let answered = Int(messages[at].promptSlot)
            if answered != prompt { changeLong { $0.groups.remove(at, prompt: answered) } }
        } else {
            responsesSeen = responsesSeen == .max ? .max : responsesSeen + 1
            messages[at].responseOrder = Int(responsesSeen)
        }
        let model = models.place(of: model)
        messages[at].setResponse(text: text, model: model, promptSlot: prompt)  // and no longer a prompt
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
        let prompt = messages[slot].promptSlot
        if let long {
            for other in long.groups.members(of: Int(prompt), kind) where other != slot { found.append(other) }
        } else {
            for other in messages.indices where other != slot && messages[other].promptSlot == prompt {
                // A slot that answers a prompt is a response.
                guard Self.isKind(kind, messages[other]) else { continue }
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

    /// The slot of the prompt that the response in `slot` answers, or -1 while that response is unknown.
    func promptSlot(ofResponse slot: Int) -> Int {
        messages[slot].isResponse ? Int(messages[slot].promptSlot) : -1
    }

    /// The texts of a pair when all are known and both responses answer the same prompt.
    func resolve(chosen: Int, rejected: Int) -> (prompt: String, chosen: Response, rejected: Response)? {
        let prompt = Int(messages[chosen].promptSlot)
        guard messages[chosen].isResponse, messages[rejected].isResponse,
            messages[rejected].promptSlot == messages[chosen].promptSlot, messages[prompt].isPrompt
        else { return nil }
        return (messages[prompt].text, response(at: chosen)!, response(at: rejected)!)
    }
}
