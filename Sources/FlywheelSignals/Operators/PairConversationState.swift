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
    /// Arrival number of the event, so its dead letter never sorts before its own arrival.
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
/// Conversations hold a handful of messages, so messages live in one array searched linearly;
/// past `indexThreshold` messages an id index keeps lookups constant-time.
struct PairConversationState: Sendable {
    struct Response: Sendable {
        var text: String
        var model: String
        var promptId: String
    }

    struct Message: Sendable {
        var id: String
        var promptText: String?
        var response: Response?
        var rating: Rating?
        var regenerated = false
        /// Order in which the response was first seen, for stable sibling order.
        var responseOrder = 0
    }

    static let indexThreshold = 24

    private(set) var messages: [Message] = []
    /// Stable hashes of `messages[i].id` and of its response's prompt id (0 when none), kept apart so
    /// that searches compare plain integers first instead of copying messages (and their strings).
    private var hashes: [(id: UInt64, prompt: UInt64)] = []

    /// Room for a typical conversation's messages, so the arrays are not regrown message by message.
    init() {
        messages.reserveCapacity(8)
        hashes.reserveCapacity(8)
    }
    /// Empty (no allocation) until the conversation passes `indexThreshold` messages.
    private var index: [ExactKey: Int] = [:]
    private var responsesSeen = 0
    var claimed: [String] = []
    var waiting: [WaitingPair] = []
    var lastTime = EventTime.min

    /// Replaces the messages with restored ones (checkpoint restore).
    mutating func restoreMessages(_ restored: [Message]) {
        messages = restored
        hashes = restored.map { (StableHash.hash($0.id), $0.response.map { StableHash.hash($0.promptId) } ?? 0) }
        responsesSeen = restored.map(\.responseOrder).max() ?? 0
        index = [:]
        if messages.count > Self.indexThreshold {
            index = Dictionary(
                messages.enumerated().map { (ExactKey($1.id), $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    func find(_ id: String) -> Int? {
        if !index.isEmpty { return index[ExactKey(id)] }
        let hash = StableHash.hash(id)
        var index = 0
        while index < hashes.count {
            if hashes[index].id == hash && messages[index].id.isExactly(id) { return index }
            index += 1
        }
        return nil
    }

    /// The message with `id`, created empty when unknown.
    mutating func slot(_ id: String) -> Int {
        if let existing = find(id) { return existing }
        let hash = StableHash.hash(id)
        messages.append(Message(id: id))
        hashes.append((hash, 0))
        if !index.isEmpty {
            index[ExactKey(id)] = messages.count - 1
        } else if messages.count > Self.indexThreshold {
            index = Dictionary(
                messages.enumerated().map { (ExactKey($1.id), $0) }, uniquingKeysWith: { first, _ in first })
        }
        return messages.count - 1
    }

    mutating func recordPrompt(id: String, text: String) { messages[slot(id)].promptText = text }

    mutating func recordResponse(id: String, text: String, model: String, promptId: String) {
        let at = slot(id)
        if messages[at].response == nil {
            responsesSeen += 1
            messages[at].responseOrder = responsesSeen
        }
        messages[at].response = Response(text: text, model: model, promptId: promptId)
        hashes[at].prompt = StableHash.hash(promptId)
    }

    mutating func setRating(_ rating: Rating, of id: String) { messages[slot(id)].rating = rating }

    mutating func markRegenerated(_ id: String) { messages[slot(id)].regenerated = true }

    func rating(of id: String) -> Rating? { find(id).flatMap { messages[$0].rating } }

    func isRegenerated(_ id: String) -> Bool { find(id).map { messages[$0].regenerated } ?? false }

    /// Other seen responses to the same prompt as `id`, in the order they were first seen.
    func siblings(of id: String) -> [String] {
        guard let at = find(id), messages[at].response != nil else { return [] }
        let promptHash = hashes[at].prompt
        var result: [(order: Int, id: String)] = []
        for index in hashes.indices where index != at && hashes[index].prompt == promptHash {
            guard let other = messages[index].response, other.promptId.isExactly(messages[at].response!.promptId)
            else { continue }
            result.append((messages[index].responseOrder, messages[index].id))
        }
        if result.count > 1 { result.sort { $0.order < $1.order } }
        return result.map(\.id)
    }

    /// The texts of a pair when all are known and both responses answer the same prompt.
    func resolve(chosen: String, rejected: String) -> (prompt: String, chosen: Response, rejected: Response)? {
        guard let chosenAt = find(chosen), let rejectedAt = find(rejected),
            hashes[chosenAt].prompt == hashes[rejectedAt].prompt,
            let a = messages[chosenAt].response, let b = messages[rejectedAt].response,
            a.promptId.isExactly(b.promptId),
            let prompt = find(a.promptId).flatMap({ messages[$0].promptText })
        else { return nil }
        return (prompt, a, b)
    }
}
