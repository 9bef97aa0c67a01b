import FlywheelEngine

@testable import FlywheelSignals

/// A straightforward reading of CONTRACT 3.2 for one conversation whose events come in event-time
/// order and whose deadlines all pass at the end of the input: it looks at every sibling and every
/// waiting pair at every event. Ids must be ASCII (Swift's `==` is then exact).
struct PairReferenceModel {
    private struct Answer {
        var text: String
        var promptId: String
        var order: Int
    }

    private struct Waiting {
        var chosen: String
        var rejected: String
        var source: PairSource
        var eventId: String
    }

    private var prompts: [String: String] = [:]
    private var answers: [String: Answer] = [:]
    private var ratings: [String: Rating] = [:]
    private var regenerated: Set<String> = []
    private var claimed: Set<[String]> = []
    private var waiting: [Waiting] = []
    private var answersSeen = 0
    /// Emitted pairs as "pair_id source timestamp", in file order.
    private(set) var pairs: [String] = []

    /// The `detail` of the unresolved-reference dead letters, once every deadline has passed.
    var unresolvedDetails: [String] {
        var order: [String] = []
        var byEvent: [String: [Waiting]] = [:]
        for pair in waiting {
            if byEvent[pair.eventId] == nil { order.append(pair.eventId) }
            byEvent[pair.eventId, default: []].append(pair)
        }
        return order.map { id in
            let group = byEvent[id]!
            let names = group.map { "\($0.chosen):\($0.rejected)" }.joined(separator: ", ")
            return "\(group[0].source.rawValue) pair \(names) misses texts"
        }
    }

    mutating func apply(_ event: ChatEvent) {
        var emitted: [String] = []
        switch event.type {
        case .prompt:
            prompts[event.messageId!] = event.text ?? ""
        case .response:
            let id = event.messageId!
            if answers[id] == nil { answersSeen += 1 }
            answers[id] = Answer(
                text: event.text ?? "", promptId: event.parentId!, order: answers[id]?.order ?? answersSeen)
            for other in siblings(of: id) {
                check(chosen: id, rejected: other, event)
                check(chosen: other, rejected: id, event)
            }
        case .feedback:
            let id = event.parentId!
            ratings[id] = event.rating!
            for other in siblings(of: id) {
                if event.rating == .up {
                    check(chosen: id, rejected: other, event)
                } else {
                    check(chosen: other, rejected: id, event)
                }
            }
        case .regenerate:
            let id = event.parentId!
            regenerated.insert(id)
            for other in siblings(of: id) where ratings[other] == .up {
                claim(chosen: other, rejected: id, .regenerate, event)
            }
        case .choice:
            claim(chosen: event.parentId!, rejected: event.rejectedId!, .choice, event)
        case .copy, .error:
            break
        }
        waiting.removeAll { pair in
            guard let a = answers[pair.chosen], let b = answers[pair.rejected], a.promptId == b.promptId,
                prompts[a.promptId] != nil
            else { return false }
            emitted.append("\(pair.chosen):\(pair.rejected) \(pair.source.rawValue) \(event.time.rfc3339)")
            return true
        }
        pairs += emitted.sorted()
    }

    private func siblings(of id: String) -> [String] {
        guard let answer = answers[id] else { return [] }
        return answers.filter { $0.key != id && $0.value.promptId == answer.promptId }
            .sorted { $0.value.order < $1.value.order }.map(\.key)
    }

    private mutating func check(chosen: String, rejected: String, _ event: ChatEvent) {
        guard ratings[chosen] == .up else { return }
        if ratings[rejected] == .down {
            claim(chosen: chosen, rejected: rejected, .feedback, event)
        } else if regenerated.contains(rejected) {
            claim(chosen: chosen, rejected: rejected, .regenerate, event)
        }
    }

    private mutating func claim(chosen: String, rejected: String, _ source: PairSource, _ event: ChatEvent) {
        guard claimed.insert([chosen, rejected]).inserted else { return }
        waiting.append(Waiting(chosen: chosen, rejected: rejected, source: source, eventId: event.eventId))
    }

    /// Random events of one conversation, 100 ms apart, over `prompts` prompt ids and `responses`
    /// response ids: repeated ids, ratings before responses, choices of unseen responses and so on.
    static func randomConversation(seed: UInt64, events: Int, prompts: Int, responses: Int) -> [ChatEvent] {
        var random = SplitMix64(seed: seed)
        func prompt() -> String { "p\(Int.random(in: 0..<prompts, using: &random))" }
        func answer() -> String { "r\(Int.random(in: 0..<responses, using: &random))" }
        return (0..<events).map { index in
            let (id, ms) = ("e\(index)", Int64(index) * 100)
            switch Int.random(in: 0..<20, using: &random) {
            case 0..<2: return SignalsEvent.prompt(id, at: ms, message: prompt(), text: "Q\(index)")
            case 2..<8: return SignalsEvent.response(id, at: ms, message: answer(), parent: prompt(), text: "A\(index)")
            case 8..<15:
                return SignalsEvent.feedback(id, at: ms, on: answer(), Bool.random(using: &random) ? .up : .down)
            case 15..<17: return SignalsEvent.regenerate(id, at: ms, of: answer())
            default:
                let chosen = answer()
                var rejected = answer()
                while rejected == chosen { rejected = answer() }
                return SignalsEvent.choice(id, at: ms, chosen: chosen, rejected: rejected)
            }
        }
    }
}
