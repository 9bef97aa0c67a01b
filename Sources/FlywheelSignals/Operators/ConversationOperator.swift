import FlywheelEngine

/// Computes `conversation_summary` per session window of a conversation and the `sft_example`
/// of each qualifying session (CONTRACT 3.3, 3.4). Owned by one shard.
public struct ConversationOperator: Sendable {
    var sessions: KeyedSessionWindows<ExactKey, ConversationAccumulator>
    private let records: ConversationRecords

    public init(config: PipelineConfig) {
        sessions = KeyedSessionWindows(
            gapMs: config.signals.sessionGapMs, allowedLatenessMs: config.time.allowedLatenessMs)
        records = ConversationRecords(
            emitSummaries: config.signals.enabled.contains(.conversationSummary),
            emitExamples: config.signals.enabled.contains(.sftExample))
    }

    /// `hash` is `StableHash.hash(event.conversationId)`, computed when not given.
    public mutating func add(_ event: borrowing ChatEvent, hash: UInt64? = nil, into out: inout [SignalRecord]) {
        var pii = 0
        if event.type == .prompt || event.type == .response {
            pii = event.textPIICount ?? event.fields.withTextUTF8 { $0.map { PIIRedactor.count(utf8: $0) } } ?? 0
        }
        let input = ConversationAccumulator.Input(event: event, keepMessages: records.emitExamples, piiCount: pii)
        let records = records
        // Found by the id's bytes: a String is made only for a conversation not open yet.
        event.withId(.conversationId) { id in
            let id = id!
            sessions.add(
                input, hash: hash ?? StableHash.hash(bytes: id), matching: { $0.matches(utf8: id) },
                makeKey: { ExactKey(utf8: id) }, at: event.time
            ) { key, window, acc in
                records.emit(key.value, window, acc, into: &out)
            }
        }
    }

    public mutating func advance(to watermark: EventTime, into out: inout [SignalRecord]) {
        let records = records
        sessions.advance(to: watermark) { key, window, acc in records.emit(key.value, window, acc, into: &out) }
    }
}

/// Encodes conversation_summary and sft_example records.
struct ConversationRecords: Sendable {
    let emitSummaries: Bool
    let emitExamples: Bool

    func emit(_ id: String, _ window: Window, _ acc: ConversationAccumulator, into out: inout [SignalRecord]) {
        let key = OutputSortKey(window.end.millis, 0, id)
        if emitSummaries {
            out.append(SignalRecord(kind: .conversationSummary, key: key, line: summaryLine(id, window, acc)))
        }
        if emitExamples, let line = SFTExample.line(conversationId: id, acc) {
            out.append(SignalRecord(kind: .sftExample, key: key, line: line))
        }
    }

    private func summaryLine(_ id: String, _ window: Window, _ acc: ConversationAccumulator) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.field("signal", "conversation_summary")
        writer.field("conversation_id", id)
        writer.field("user_id", acc.user?.userId)
        writer.field("session_start", time: window.start)
        writer.field("session_end", time: window.end)
        writer.field("prompts", acc.counts[.prompts])
        writer.field("responses", acc.counts[.responses])
        if let only = acc.onlyModel {
            writer.field("models", strings: CollectionOfOne(only))
        } else {
            writer.field("models", strings: acc.sortedModels)
        }
        writer.field("feedback_up", acc.counts[.feedbackUp])
        writer.field("feedback_down", acc.counts[.feedbackDown])
        writer.field("regenerations", acc.counts[.regenerations])
        writer.field("copies", acc.counts[.copies])
        writer.field("errors", acc.counts[.errors])
        writer.field("duration_ms", acc.last.millis - acc.first.millis)
        writer.field("outcome", acc.outcome)
        writer.field("pii_found", acc.counts[.piiFound])
        return writer.finishLine()
    }
}

/// The `sft_example` rule of CONTRACT 3.4.
enum SFTExample {
    /// The example line for a session, or nil when the session does not qualify.
    static func line(conversationId: String, _ acc: ConversationAccumulator) -> [UInt8]? {
        guard acc.outcome == "positive", acc.counts[.regenerations] == 0, acc.counts[.prompts] > 0 else { return nil }
        return acc.log.withMessages { messages -> [UInt8]? in
            guard answersPairUp(messages) else { return nil }
            var writer = JSONWriter(capacity: 1024)
            writer.field("signal", "sft_example")
            writer.field("conversation_id", conversationId)
            writer.key("messages")
            writer.appendRaw("[")
            let order = eventTimeOrder(messages)
            for position in messages.indices {
                let message = messages[order?[position] ?? position]
                if position > 0 { writer.appendRaw(", ") }
                writer.appendRaw(
                    message.stamp.isPrompt
                        ? "{\"role\": \"user\", \"content\": " : "{\"role\": \"assistant\", \"content\": ")
                if message.stamp.hasPII {
                    writer.appendString(PIIRedactor.redact(String(decoding: message.text, as: UTF8.self)).text)
                } else {
                    writer.appendString(utf8: message.text)
                }
                writer.appendRaw("}")
            }
            writer.appendRaw("]")
            return writer.finishLine()
        }
    }

    /// Whether every prompt has exactly one response and every response answers a prompt of the
    /// session (by `parent_id`; a missing one counts as "").
    ///
    /// Sorted by the id they share (a prompt's message id, a response's parent id), prompts and
    /// responses form groups; the rule holds exactly when every group has at least one prompt and
    /// exactly one response. Ids compare by code points (CONTRACT 1): a parent id canonically
    /// equivalent to a prompt's message id, but spelled differently, does not answer it.
    static func answersPairUp(_ messages: UnsafeBufferPointer<MessageLog.Message>) -> Bool {
        // Sorted in temporary memory (the stack, for a session's few): a sorted array was an allocation per session.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: messages.count) { buffer in
            var links = buffer
            for index in messages.indices { (links.baseAddress! + index).initialize(to: index) }
            links.sort { messages[$0].link.utf8Precedes(messages[$1].link) }
            return answersPairUp(messages, sortedByLink: UnsafeBufferPointer(links))
        }
    }

    private static func answersPairUp(
        _ messages: UnsafeBufferPointer<MessageLog.Message>, sortedByLink links: UnsafeBufferPointer<Int>
    ) -> Bool {
        var start = 0
        while start < links.count {
            var prompts = 0
            var responses = 0
            var end = start
            let id = messages[links[start]].link
            while end < links.count && messages[links[end]].link.hasSameBytes(as: id) {
                if messages[links[end]].stamp.isPrompt { prompts += 1 } else { responses += 1 }
                end += 1
            }
            guard prompts > 0 && responses == 1 else { return false }
            start = end
        }
        return true
    }

    /// The message indices in event-time order, ties by event id in code-point order; nil when
    /// the messages are in that order already (they arrive mostly in order).
    static func eventTimeOrder(_ messages: UnsafeBufferPointer<MessageLog.Message>) -> [Int]? {
        func precedes(_ a: Int, _ b: Int) -> Bool {
            let (first, second) = (messages[a].stamp.time, messages[b].stamp.time)
            if first != second { return first < second }
            return messages[a].eventId.utf8Precedes(messages[b].eventId)
        }
        guard messages.indices.dropFirst().contains(where: { precedes($0, $0 - 1) }) else { return nil }
        // The sort is stable, so messages that tie completely keep their arrival order, as before.
        return messages.indices.sorted(by: precedes)
    }
}
