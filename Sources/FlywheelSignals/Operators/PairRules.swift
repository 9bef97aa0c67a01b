import FlywheelEngine

/// A pair ready to emit.
struct CompletedPair {
    var chosenId: String
    var rejectedId: String
    var source: PairSource
    var prompt: String
    var chosen: PairConversationState.Response
    var rejected: PairConversationState.Response
}

/// Applies one released event to a conversation's pair state: updates what it knows, claims the
/// pairs whose rule now holds (choice, then feedback, then regenerate), and completes waiting pairs
/// whose texts are now known.
struct PairRules {
    let event: ChatEvent
    let sequence: Int64
    var completed: [CompletedPair] = []
    var newWaits: [RuleEvent] = []

    init(event: ChatEvent, sequence: Int64) {
        self.event = event
        self.sequence = sequence
    }

    /// Applies the event to `state` in place.
    mutating func apply(to state: inout PairConversationState) {
        state.lastTime = Swift.max(state.lastTime, event.time)
        switch event.type {
        case .prompt:
            state.recordPrompt(id: event.messageId!, text: event.text ?? "")
        case .response:
            let id = event.messageId!
            state.recordResponse(id: id, text: event.text ?? "", model: event.model ?? "", promptId: event.parentId!)
            for other in state.siblings(of: id) {
                checkFeedbackAndRegenerate(&state, chosen: id, rejected: other)
                checkFeedbackAndRegenerate(&state, chosen: other, rejected: id)
            }
        case .feedback:
            onFeedback(&state, on: event.parentId!, rating: event.rating!)
        case .regenerate:
            let id = event.parentId!
            state.markRegenerated(id)
            for other in state.siblings(of: id) where state.rating(of: other) == .up {
                claim(&state, chosen: other, rejected: id, source: .regenerate)
            }
        case .choice:
            claim(&state, chosen: event.parentId!, rejected: event.rejectedId!, source: .choice)
        case .copy, .error:
            break
        }
        completeWaiting(&state)
    }

    private mutating func onFeedback(_ state: inout PairConversationState, on id: String, rating: Rating) {
        state.setRating(rating, of: id)
        for other in state.siblings(of: id) {
            if rating == .up {
                checkFeedbackAndRegenerate(&state, chosen: id, rejected: other)
            } else {
                checkFeedbackAndRegenerate(&state, chosen: other, rejected: id)
            }
        }
    }

    /// The feedback rule, then the regenerate rule, for the ordered pair (chosen, rejected).
    private mutating func checkFeedbackAndRegenerate(
        _ state: inout PairConversationState, chosen: String, rejected: String
    ) {
        guard state.rating(of: chosen) == .up else { return }
        if state.rating(of: rejected) == .down {
            claim(&state, chosen: chosen, rejected: rejected, source: .feedback)
        } else if state.isRegenerated(rejected) {
            claim(&state, chosen: chosen, rejected: rejected, source: .regenerate)
        }
    }

    private mutating func claim(
        _ state: inout PairConversationState, chosen: String, rejected: String, source: PairSource
    ) {
        let pairId = "\(chosen):\(rejected)"
        guard !state.claimed.contains(where: { $0.isExactly(pairId) }) else { return }
        state.claimed.append(pairId)
        let rule = RuleEvent(
            eventId: event.eventId, time: event.time, type: event.type, origin: event.origin, sequence: sequence)
        if !state.waiting.contains(where: { $0.rule.eventId.isExactly(event.eventId) }) { newWaits.append(rule) }
        state.waiting.append(WaitingPair(chosen: chosen, rejected: rejected, source: source, rule: rule))
    }

    /// Emits every waiting pair whose texts are now all known (in the order they started waiting).
    private mutating func completeWaiting(_ state: inout PairConversationState) {
        guard !state.waiting.isEmpty else { return }
        var still: [WaitingPair] = []
        for pair in state.waiting {
            if let texts = state.resolve(chosen: pair.chosen, rejected: pair.rejected) {
                completed.append(
                    CompletedPair(
                        chosenId: pair.chosen, rejectedId: pair.rejected, source: pair.source, prompt: texts.prompt,
                        chosen: texts.chosen, rejected: texts.rejected))
            } else {
                still.append(pair)
            }
        }
        state.waiting = still
    }
}
