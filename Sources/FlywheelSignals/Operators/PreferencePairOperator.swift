import Collections
import FlywheelEngine

/// Emits `preference_pair` records (CONTRACT 3.2): accepted events are released in event-time
/// order (ties by event id) once the watermark passes them; the choice, feedback and regenerate
/// rules are applied per conversation; pairs missing texts wait until `join_ttl` after the event
/// that made their rule hold, then that event becomes an `unresolved_reference` dead letter.
/// A conversation's state is dropped once the watermark is `state_ttl` (or `join_ttl`, if longer)
/// past its last event and nothing waits. Owned by one shard.
public struct PreferencePairOperator: Sendable {

    var buffer = EventTimeOrderedBuffer<SequencedEvent>()
    var conversations = HashedTable<ExactKey, PairConversationState>()
    var deadlines = Heap<PairDeadline>()
    /// `deadlines.min?.time` and `expiries.min?.time`, cached: reading a heap's minimum copies it
    /// (and retains its strings), and the loops below look at them for every event.
    var nextDeadline = EventTime.max
    var nextExpiry = EventTime.max
    /// A heap of values, which copies those it compares (a retain of a long conversation id): slots with small
    /// keys, as the collector and the event buffer use, would take 32 more bytes per open conversation.
    var expiries = Heap<PairExpiry>()
    let joinTTLMs: Int64
    /// How long a quiet conversation's texts, ratings and claimed pairs are kept.
    let retentionMs: Int64
    private let emitPairs: Bool
    private let sourceNames: [String]
    // Invariant: watermark never regresses.
    var watermark = EventTime.min
    /// Where released events go back to their decoder (nil: they are dropped here).
    var returns: ChatEventReturns?
    /// What `add(taking:)` leaves in place of the events it takes: this operator's own, so that no other core
    /// touches its reference count.
    private let placeholder = ChatEvent.emptyStorage()
    /// Events processed and done with, left by `add(taking:)` in place of the events it takes (the batch then
    /// hands them back to their decoder with its own): moved in and out, they count no reference, where the
    /// placeholder counted one when left and one when the batch went, and recycling a released event one more
    /// pair. At most `stashLimit`; the others are recycled at once, and what is left when a batch ends goes back
    /// with it (so that no event's memory waits here between batches).
    private var stash: [ChatEvent] = []
    static let stashLimit = 1024

    public init(config: PipelineConfig, sourceNames: [String]) {
        joinTTLMs = config.signals.joinTTLMs
        retentionMs = Swift.max(config.signals.joinTTLMs, config.signals.pairStateTTLMs)
        emitPairs = config.signals.enabled.contains(.preferencePair)
        self.sourceNames = sourceNames
    }

    /// Buffers an accepted event until the watermark passes it; `sequence` is its arrival number.
    /// `conversationHash` is `StableHash.hash(event.conversationId)`, computed when not given.
    ///
    /// An event at or behind the watermark (accepted thanks to allowed lateness) waits too: it is
    /// released by the next `advance`, in event-time order with what that advance releases
    /// (CONTRACT 2, as a Flink event-time timer set in the past fires on the next watermark).
    public mutating func add(_ event: borrowing ChatEvent, sequence: Int64 = 0, conversationHash: UInt64? = nil) {
        var copied = copy event
        add(taking: &copied, sequence: sequence, conversationHash: conversationHash)
    }

    /// `add(_:sequence:conversationHash:)` that moves an event it keeps out of `event`, leaving in its place an
    /// event this operator has processed and is done with (`stash`), or its empty one: a shard's batch is done
    /// with its events once they are added (the caller must not read `event` after), and copying one counted a
    /// reference on memory the decoder's core wrote (a retain now, a release when the batch went).
    mutating func add(taking event: inout ChatEvent, sequence: Int64 = 0, conversationHash: UInt64? = nil) {
        switch event.type {
        case .prompt, .response, .feedback, .regenerate, .choice:
            let hash = conversationHash ?? event.conversationHash
            let time = event.time
            var taken = stash.popLast() ?? ChatEvent(filled: placeholder)
            swap(&taken, &event)
            buffer.insert(SequencedEvent(event: consume taken, sequence: sequence, conversationHash: hash), time: time)
        case .copy, .error:
            break
        }
    }

    /// Releases events up to `newWatermark`, checks deadlines and drops quiet conversations, all in
    /// event-time order (on a tie: events, then deadlines, then drops). Taking them in event time,
    /// not watermark step by watermark step, keeps the output the same whichever watermarks a shard
    /// happens to see (they depend on the parallelism and batch size). `trail` dates dead letters by
    /// the input element after which the watermark reached their deadline.
    ///
    /// Events added at or behind the current watermark come first: their times are below every
    /// other time this advance releases, and everything due up to the current watermark was taken
    /// by earlier advances. A call that does not move the watermark releases nothing.
    public mutating func advance(to newWatermark: EventTime, trail: WatermarkTrail, into out: inout [SignalRecord]) {
        guard newWatermark > watermark else { return }
        let previous = watermark
        watermark = newWatermark
        while true {
            let eventTime = buffer.nextTime.flatMap { $0 <= watermark ? $0 : nil } ?? .max
            let deadline = !deadlines.isEmpty && nextDeadline <= watermark ? nextDeadline : .max
            let expiry = !expiries.isEmpty && nextExpiry <= watermark ? nextExpiry : .max
            if eventTime != .max && eventTime <= deadline && eventTime <= expiry {
                let next = buffer.popFirst(notAfter: eventTime)!
                let released =
                    eventTime <= previous ? releaseSequence(next.sequence, after: previous, trail) : next.sequence
                process(consume next, sequence: released, into: &out)
            } else if deadline != .max && deadline <= expiry {
                let due = deadlines.removeMin()
                nextDeadline = deadlines.min?.time ?? .max
                expire(due, trail: trail, into: &out)
            } else if expiry != .max {
                dropIfIdle()
            } else {
                break
            }
        }
    }

    /// Hands back the events of a processed batch that nothing else references (see `ChatEventPool`),
    /// and what was collected since the last batch.
    mutating func recycle(_ records: inout [RoutedEvent]) {
        // Taken out while it works, so that no element's recycling copies it (a retain of its pool and array).
        guard var taken = returns else {
            stash.removeAll(keepingCapacity: true)
            return
        }
        returns = nil
        for index in records.indices { taken.recycle(&records[index].event) }
        while let event = stash.popLast() { taken.recycle(taking: consume event) }
        taken.flush()
        returns = taken
    }

    /// The input element after which an event that arrived (as element `arrival`) behind the
    /// watermark `previous` is released: the first one that moved W past `previous`. Its dead
    /// letters, if any, are dated by that element, never before.
    private func releaseSequence(_ arrival: Int64, after previous: EventTime, _ trail: WatermarkTrail) -> Int64 {
        Swift.max(arrival, trail.firstSequence(reaching: previous.adding(1)) ?? arrival)
    }

    /// Applies the rules to a released event, then hands the event back to its decoder. Taking the released
    /// record over, rather than recycling it from a `var` of the caller's, saves 1.8 uniqueness checks per input
    /// line (counted with a uprobe on `swift_isUniquelyReferenced_nonNull_native`, 100,000 lines). The rules read
    /// the event's fields through `_withUnsafeGuaranteedRef`: lending `released.event` to them cost a retain and a
    /// release of its storage per event (the record is changed after, when recycled), 3 % of the shard's samples.
    private mutating func process(_ released: consuming SequencedEvent, sequence: Int64, into out: inout [SignalRecord])
    {
        let hash = released.conversationHash
        // Moved out, leaving nil: no placeholder to count a reference on when recycled and when the record goes.
        guard let event = released.event.take() else { return }
        event.unmanagedFields._withUnsafeGuaranteedRef {
            process($0, sequence: sequence, hash: hash, into: &out)
        }
        if stash.count < Self.stashLimit {
            stash.append(consume event)
        } else {
            returns?.recycle(taking: consume event)
        }
    }

    private mutating func process(
        _ event: ChatEvent.Storage, sequence: Int64, hash: UInt64, into out: inout [SignalRecord]
    ) {
        // Found by the id's bytes: a String is made only for a conversation not held yet.
        let (slot, inserted) = event.withId(.conversationId) { id in
            conversations.findOrInsert(
                hash: hash, matching: { $0.matches(utf8: id!) }, makeKey: { ExactKey(utf8: id!) }
            ) {
                PairConversationState()
            }
        }
        if inserted {
            insertExpiry(
                PairExpiry(time: event.time.adding(retentionMs), conversationId: conversations.key(at: slot).value))
        }
        var rules = PairRules(fields: Unmanaged.passUnretained(event), sequence: sequence)
        rules.apply(to: &conversations[slot])
        if emitPairs && !rules.completed.isEmpty {
            // Texts read in place: a copy of the state would retain its arrays.
            let completed = rules.completed
            conversations.update(at: slot) { state in
                for pair in completed { out.append(Self.pairRecord(pair, event: event, state: state)) }
            }
        }
        for rule in rules.newWaits {
            insertDeadline(
                PairDeadline(
                    time: rule.time.adding(joinTTLMs), conversationId: conversations.key(at: slot).value,
                    eventId: rule.eventId, ruleTime: rule.time))
        }
    }

    private mutating func expire(_ deadline: PairDeadline, trail: WatermarkTrail, into out: inout [SignalRecord]) {
        let id = deadline.conversationId
        guard let slot = conversations.find(ExactKey(id), hash: StableHash.hash(id)) else { return }
        let expired = conversations[slot].waits.expire(ruleEventId: deadline.eventId, at: deadline.ruleTime)
        guard let first = expired.first else { return }
        let pairs = expired.map { "\($0.chosen):\($0.rejected)" }.joined(separator: ", ")
        let failure = ValidationFailure(.unresolvedReference, "\(first.source.rawValue) pair \(pairs) misses texts")
        let origin = first.rule.origin
        // The deadline passes after the input element that moved W to it, but never before the rule
        // event itself was released (with allowed lateness, its deadline may have passed already).
        let reached = trail.firstSequence(reaching: deadline.time) ?? first.rule.sequence
        let sequence = Swift.max(reached, first.rule.sequence)
        out.append(
            SideOutputs.deadLetter(
                failure, source: sourceName(origin.partition), position: origin.position, raw: origin.raw ?? "",
                sequence: sequence, time: first.rule.time, eventId: first.rule.eventId))
    }

    mutating func insertDeadline(_ deadline: PairDeadline) {
        deadlines.insert(deadline)
        nextDeadline = Swift.min(nextDeadline, deadline.time)
    }

    mutating func insertExpiry(_ expiry: PairExpiry) {
        expiries.insert(expiry)
        nextExpiry = Swift.min(nextExpiry, expiry.time)
    }

    /// Takes the next expiry: its conversation's state is dropped if, at the expiry's time, the
    /// conversation has been quiet for `retentionMs` and nothing waits; otherwise it is looked at
    /// again when it can be. Depends on event times only, never on the watermark.
    private mutating func dropIfIdle() {
        let next = expiries.removeMin()
        nextExpiry = expiries.min?.time ?? .max
        // Looked at in place: copying the state out would retain every string it holds.
        let id = next.conversationId
        guard let slot = conversations.find(ExactKey(id), hash: StableHash.hash(id)) else { return }
        let due = conversations[slot].lastTime.adding(retentionMs)
        if due <= next.time && conversations[slot].waits.isEmpty {
            conversations.remove(at: slot)
        } else {
            // A pair waits at most join_ttl (never more than retentionMs) past the conversation's last
            // event, and deadlines come before drops at the same time; so this retry is a safeguard.
            let retry = due > next.time ? due : next.time.adding(joinTTLMs)
            insertExpiry(PairExpiry(time: retry, conversationId: id))
        }
    }

    private func sourceName(_ partition: Int) -> String {
        partition < sourceNames.count ? sourceNames[partition] : "partition-\(partition)"
    }

    private static func pairRecord(
        _ pair: CompletedPair, event: ChatEvent.Storage, state: borrowing PairConversationState
    ) -> SignalRecord {
        let pairId = "\(pair.chosenId):\(pair.rejectedId)"
        var writer = JSONWriter(capacity: 512)
        writer.field("signal", "preference_pair")
        writer.field("pair_id", pairId)
        event.withId(.conversationId) { writer.field("conversation_id", utf8: $0!) }
        writer.field("source", pair.source.rawValue)
        state.withText(at: pair.prompt) { writer.field("prompt", utf8: $0) }
        state.withText(at: pair.chosen) { writer.field("chosen", utf8: $0) }
        state.withText(at: pair.rejected) { writer.field("rejected", utf8: $0) }
        writer.field("chosen_model", state.model(ofResponse: pair.chosen))
        writer.field("rejected_model", state.model(ofResponse: pair.rejected))
        writer.field("timestamp", time: event.time)
        let key = OutputSortKey(event.time.millis, 0, event.id(.eventId)!, pairId)
        return SignalRecord(kind: .preferencePair, key: key, line: writer.finishLine())
    }
}

struct PairDeadline: Comparable, Sendable {
    var time: EventTime
    var conversationId: String
    var eventId: String
    /// The rule event's time (`time` - join_ttl, unless that saturated): with `eventId`, which rule event.
    var ruleTime: EventTime

    static func < (lhs: PairDeadline, rhs: PairDeadline) -> Bool {
        (lhs.time, lhs.conversationId, lhs.eventId) < (rhs.time, rhs.conversationId, rhs.eventId)
    }
}

/// When to look again at whether a quiet conversation's state can be dropped.
///
/// Ordered by time alone: the order in which states due at the same time are dropped changes
/// nothing, and comparing times only keeps the heap free of string comparisons.
struct PairExpiry: Comparable, Sendable {
    var time: EventTime
    var conversationId: String

    static func < (lhs: PairExpiry, rhs: PairExpiry) -> Bool { lhs.time < rhs.time }
    static func == (lhs: PairExpiry, rhs: PairExpiry) -> Bool { lhs.time == rhs.time }
}

/// An event waiting for the watermark, with its arrival number.
struct SequencedEvent: Sendable, EventTimeTieBreaking {
    /// Nil only once released (moved out to be processed and recycled).
    var event: ChatEvent?
    var sequence: Int64
    /// `StableHash.hash(event.conversationId)`.
    var conversationHash: UInt64

    /// Events of the same time are released in event-id order.
    func withTieBreakUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        event!.withId(.eventId) { body($0!) }
    }
}
