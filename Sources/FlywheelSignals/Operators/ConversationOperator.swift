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

    public mutating func add(_ event: ChatEvent, into out: inout [SignalRecord]) {
        var pii = 0
        if event.type == .prompt || event.type == .response, let text = event.text { pii = PIIRedactor.count(text) }
        let input = ConversationAccumulator.Input(event: event, keepMessages: records.emitExamples, piiCount: pii)
        let records = records
        sessions.add(input, key: ExactKey(event.conversationId), at: event.time) { key, window, acc in
            records.emit(key.value, window, acc, into: &out)
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
        writer.field("prompts", acc.prompts)
        writer.field("responses", acc.responses)
        writer.field("models", strings: acc.models.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }))
        writer.field("feedback_up", acc.feedbackUp)
        writer.field("feedback_down", acc.feedbackDown)
        writer.field("regenerations", acc.regenerations)
        writer.field("copies", acc.copies)
        writer.field("errors", acc.errors)
        writer.field("duration_ms", acc.last.millis - acc.first.millis)
        writer.field("outcome", acc.outcome)
        writer.field("pii_found", acc.piiFound)
        return writer.finishLine()
    }
}

/// The `sft_example` rule of CONTRACT 3.4.
enum SFTExample {
    /// The example line for a session, or nil when the session does not qualify.
    static func line(conversationId: String, _ acc: ConversationAccumulator) -> [UInt8]? {
        guard acc.outcome == "positive", acc.regenerations == 0, acc.prompts > 0 else { return nil }
        var answers: [String: Int] = [:]
        var promptIds: Set<String> = []
        for message in acc.messages {
            if message.isPrompt {
                promptIds.insert(message.messageId)
            } else {
                answers[message.parentId ?? "", default: 0] += 1
            }
        }
        for message in acc.messages where !message.isPrompt && !promptIds.contains(message.parentId ?? "") {
            return nil
        }
        for message in acc.messages where message.isPrompt && answers[message.messageId] != 1 { return nil }
        let ordered = acc.messages.sorted { ($0.time, $0.eventId.utf8Ordered) < ($1.time, $1.eventId.utf8Ordered) }
        var writer = JSONWriter(capacity: 1024)
        writer.field("signal", "sft_example")
        writer.field("conversation_id", conversationId)
        var messages: [UInt8] = [UInt8(ascii: "[")]
        for (index, message) in ordered.enumerated() {
            if index > 0 { messages.append(contentsOf: ", ".utf8) }
            messages.append(
                contentsOf: (message.isPrompt
                    ? "{\"role\": \"user\", \"content\": " : "{\"role\": \"assistant\", \"content\": ").utf8)
            JSONWriter.appendEscaped(
                message.hasPII ? PIIRedactor.redact(message.text).text : message.text, to: &messages)
            messages.append(UInt8(ascii: "}"))
        }
        messages.append(UInt8(ascii: "]"))
        writer.field("messages", rawJSON: messages)
        return writer.finishLine()
    }
}

extension String {
    /// A wrapper that orders strings by their UTF-8 bytes (code point order), as the contract's
    /// "ties broken by event_id" means on every platform.
    var utf8Ordered: UTF8Ordered { UTF8Ordered(self) }
}

struct UTF8Ordered: Comparable {
    let value: String
    init(_ value: String) { self.value = value }
    static func < (lhs: UTF8Ordered, rhs: UTF8Ordered) -> Bool {
        lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
    }
    static func == (lhs: UTF8Ordered, rhs: UTF8Ordered) -> Bool { lhs.value == rhs.value }
}
