import FlywheelEngine

/// A pair ready to emit: its texts and models are read from the conversation's state, in place, when its
/// record is written (right after the event that completed it, before anything changes them).
struct CompletedPair {
    var chosenId: String
    var rejectedId: String
    var source: PairSource
    var prompt: Int
    var chosen: Int
    var rejected: Int
}

/// Applies one released event to a conversation's pair state: updates what it knows, claims the
/// pairs whose rule now holds (choice, then feedback, then regenerate), and completes waiting pairs
/// whose texts are now known.
///
/// Work per event: the responses the rule can pair with (found through the prompt's groups), the
/// pairs it claims (a hash set look-up each) and the waiting pairs that watch its message.
struct PairRules {
    /// The event's fields, not a copy of the event (which would retain and release it): rules live only while
    /// their event is applied.
    let storage: Unmanaged<ChatEvent.Storage>
    let sequence: Int64
    var completed: [CompletedPair] = []
    var newWaits: [RuleEvent] = []

    /// The event whose storage is `fields` must outlive the rules.
    init(fields: Unmanaged<ChatEvent.Storage>, sequence: Int64) {
        storage = fields
        self.sequence = sequence
    }

    /// The event's fields, read without counting a reference (see `ChatEvent.unmanagedFields`).
    private func withEvent<R>(_ body: (ChatEvent.Storage) -> R) -> R { storage._withUnsafeGuaranteedRef(body) }

    /// Applies the event to `state` in place.
    mutating func apply(to state: inout PairConversationState) {
        storage._withUnsafeGuaranteedRef { apply($0, to: &state) }
    }

    private mutating func apply(_ event: ChatEvent.Storage, to state: inout PairConversationState) {
        state.lastTime = Swift.max(state.lastTime, event.time)
        // Ids and text read in place, as bytes: the rules hold the event's storage while they apply.
        switch event.type {
        case .prompt:
            let at = state.recordPrompt(id: event.unsafeId(.messageId)!, text: event.unsafeText)
            completeWaiting(&state, watching: at)
        case .response:
            let at = state.recordResponse(
                id: event.unsafeId(.messageId)!, text: event.unsafeText,
                model: event.unsafeId(.model) ?? UnsafeBufferPointer(start: nil, count: 0),
                promptId: event.unsafeId(.parentId)!)
            onResponse(&state, at)
            completeWaiting(&state, watching: at)
        case .feedback:
            let rating = event.rating!
            let at = state.setRating(rating, of: event.unsafeId(.parentId)!)
            if rating == .up {
                for other in state.siblings(of: at, .downOrRegenerated) {
                    claim(
                        &state, chosen: at, rejected: other,
                        source: Self.source(rejectingDown: state.messages[other].rating))
                }
            } else {
                for other in state.siblings(of: at, .up) {
                    claim(&state, chosen: other, rejected: at, source: .feedback)
                }
            }
        case .regenerate:
            let at = state.markRegenerated(event.unsafeId(.parentId)!)
            for other in state.siblings(of: at, .up) { claim(&state, chosen: other, rejected: at, source: .regenerate) }
        case .choice:
            let chosen = state.slot(utf8: event.unsafeId(.parentId)!)
            claim(&state, chosen: chosen, rejected: state.slot(utf8: event.unsafeId(.rejectedId)!), source: .choice)
        case .copy, .error:
            break
        }
    }

    /// The rule that pairs a chosen (rated up) response over a rejected one whose latest rating is `rating`:
    /// feedback when it is rated down, else regenerate (it is regenerated).
    private static func source(rejectingDown rating: Rating?) -> PairSource {
        rating == .down ? .feedback : .regenerate
    }

    /// A response seen (again): with every sibling, first as chosen, then as rejected, siblings in
    /// the order they were first seen.
    private mutating func onResponse(_ state: inout PairConversationState, _ at: Int) {
        // Fields read in place: a copy of the message would retain and release its strings.
        let asChosen = state.messages[at].isUp ? state.siblings(of: at, .downOrRegenerated) : []
        let asRejected = state.messages[at].isDownOrRegenerated ? state.siblings(of: at, .up) : []
        guard !asChosen.isEmpty || !asRejected.isEmpty else { return }
        let rejectedSource = Self.source(rejectingDown: state.messages[at].rating)
        var (chosenNext, rejectedNext) = (0, 0)
        while chosenNext < asChosen.count || rejectedNext < asRejected.count {
            let takeChosen =
                rejectedNext == asRejected.count
                || (chosenNext < asChosen.count
                    && state.messages[asChosen[chosenNext]].responseOrder
                        <= state.messages[asRejected[rejectedNext]].responseOrder)
            if takeChosen {
                let other = asChosen[chosenNext]
                claim(
                    &state, chosen: at, rejected: other,
                    source: Self.source(rejectingDown: state.messages[other].rating))
                chosenNext += 1
            } else {
                claim(&state, chosen: asRejected[rejectedNext], rejected: at, source: rejectedSource)
                rejectedNext += 1
            }
        }
    }

    /// Claims the pair unless an earlier rule did; emits it when its texts are known, else it waits.
    private mutating func claim(
        _ state: inout PairConversationState, chosen: Int, rejected: Int, source: PairSource
    ) {
        guard state.claimed.insert(chosen: chosen, rejected: rejected) else { return }
        if let prompt = state.resolvedPrompt(chosen: chosen, rejected: rejected) {
            complete(chosen: chosen, rejected: rejected, source: source, prompt: prompt, in: state)
            return
        }
        let rule = withEvent {
            RuleEvent(eventId: $0.id(.eventId)!, time: $0.time, type: $0.type, origin: $0.origin, sequence: sequence)
        }
        let pair = WaitingPair(
            chosen: state.id(at: chosen), rejected: state.id(at: rejected), source: source, rule: rule)
        let entry = PairWaitList.Entry(
            pair: pair, chosen: chosen, rejected: rejected, prompt: state.promptSlot(ofResponse: chosen))
        if state.waits.add(entry) { newWaits.append(rule) }
    }

    /// Emits every waiting pair watching `slot` whose texts are now all known.
    private mutating func completeWaiting(_ state: inout PairConversationState, watching slot: Int) {
        guard !state.waits.isEmpty else { return }
        for handle in state.waits.takeWatchers(of: slot) {
            let entry = state.waits[handle]
            if let prompt = state.resolvedPrompt(chosen: entry.chosen, rejected: entry.rejected) {
                complete(
                    chosen: entry.chosen, rejected: entry.rejected, source: entry.pair.source, prompt: prompt, in: state
                )
                state.waits.complete(handle)
            } else {
                state.waits.rewatch(handle, taken: slot, prompt: state.promptSlot(ofResponse: entry.chosen))
            }
        }
    }

    private mutating func complete(
        chosen: Int, rejected: Int, source: PairSource, prompt: Int, in state: PairConversationState
    ) {
        completed.append(
            CompletedPair(
                chosenId: state.id(at: chosen), rejectedId: state.id(at: rejected), source: source, prompt: prompt,
                chosen: chosen, rejected: rejected))
    }
}
