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
struct PairConversationState: Sendable {
    struct Response: Sendable {
        var text: String
        var model: String
        var promptId: String
    }

    var prompts: [String: String] = [:]
    var responses: [String: Response] = [:]
    /// Response ids per prompt id, in the order they were first seen.
    var responsesByPrompt: [String: [String]] = [:]
    var ratings: [String: Rating] = [:]
    var regenerated: Set<String> = []
    var claimed: Set<String> = []
    var waiting: [WaitingPair] = []
    var lastTime = EventTime.min

    mutating func recordResponse(id: String, text: String, model: String, promptId: String) {
        if let previous = responses[id], previous.promptId != promptId {
            responsesByPrompt[previous.promptId]?.removeAll { $0 == id }
        }
        if responses[id]?.promptId != promptId { responsesByPrompt[promptId, default: []].append(id) }
        responses[id] = Response(text: text, model: model, promptId: promptId)
    }

    /// Other seen responses to the same prompt as `id`.
    func siblings(of id: String) -> [String] {
        guard let promptId = responses[id]?.promptId else { return [] }
        return (responsesByPrompt[promptId] ?? []).filter { $0 != id }
    }

    /// The texts of a pair when all are known and both responses answer the same prompt.
    func resolve(chosen: String, rejected: String) -> (prompt: String, chosen: Response, rejected: Response)? {
        guard let a = responses[chosen], let b = responses[rejected], a.promptId == b.promptId,
            let prompt = prompts[a.promptId]
        else { return nil }
        return (prompt, a, b)
    }
}
