import Foundation

typealias OTLPLogRecord = Opentelemetry_Proto_Logs_V1_LogRecord

/// Maps the GenAI `gen_ai.evaluation.result` event (a log record, or a span event of the evaluated span) onto a
/// thumbs `feedback` event.
///
/// The rating comes from `gen_ai.evaluation.score.label` when it is a known thumbs word, else from
/// `gen_ai.evaluation.score.value` (0 to 1: 0.5 and above is up; -1 is down). The response, conversation and
/// model come from the event's own attributes, else from the chat span it is parented to (when the service has
/// received that span), else from the trace and span ids.
enum GenAIEvaluationMapper {
    static let eventName = "gen_ai.evaluation.result"

    static let upLabels: Set<String> = [
        "up", "thumbs_up", "thumbsup", "positive", "pass", "passed", "good", "correct", "relevant", "helpful", "like",
        "liked", "yes", "true",
    ]
    static let downLabels: Set<String> = [
        "down", "thumbs_down", "thumbsdown", "negative", "fail", "failed", "bad", "incorrect", "not_relevant",
        "irrelevant", "unhelpful", "not_helpful", "dislike", "disliked", "no", "false",
    ]

    struct Failure: Error {
        var message: String
    }

    /// Whether a log record is an evaluation result (`event_name`, or the older `event.name` attribute).
    static func isEvaluation(_ record: OTLPLogRecord) -> Bool {
        record.eventName == eventName
            || record.attributes.contains { $0.key == "event.name" && $0.value.stringValue == eventName }
    }

    /// The feedback event of one evaluation result, or why there is none.
    static func feedback(
        _ attributes: OTLPAttributes, traceID: Data, spanID: Data, timeUnixNano: UInt64,
        context: GenAIResponseContext?
    ) -> Result<ChatEventLine, Failure> {
        let label = attributes.string("gen_ai.evaluation.score.label")
        let score = attributes.number("gen_ai.evaluation.score.value")
        guard let rating = rating(label: label, score: score) else {
            return .failure(
                Failure(
                    message: "gen_ai.evaluation.result with score.label \(label.map { "'\($0)'" } ?? "absent") and "
                        + "score.value \(score.map { "\($0)" } ?? "absent") is not a thumbs rating (labels such as "
                        + "up/down, pass/fail, positive/negative; or a score from 0 to 1, or -1)"))
        }
        guard timeUnixNano > 0 else {
            return .failure(Failure(message: "gen_ai.evaluation.result has no time (time_unix_nano)"))
        }
        let hasSpan = traceID.count == 16 && spanID.count == 8
        let spanKey = hasSpan ? "otel:\(OTLPIdentifiers.hex(traceID)):\(OTLPIdentifiers.hex(spanID))" : nil
        let responseId = attributes.string("gen_ai.response.id")
        guard let parent = responseId ?? context?.messageId ?? spanKey else {
            return .failure(
                Failure(
                    message: "gen_ai.evaluation.result names no response: parent it to the chat span or set "
                        + "gen_ai.response.id"))
        }
        let conversation =
            attributes.string("gen_ai.conversation.id") ?? context?.conversationId
            ?? (hasSpan ? "otel:\(OTLPIdentifiers.hex(traceID))" : nil)
        guard let conversation else {
            return .failure(
                Failure(
                    message: "gen_ai.evaluation.result for response '\(parent)' names no conversation: set "
                        + "gen_ai.conversation.id, or send its chat span first"))
        }
        guard let model = attributes.string("gen_ai.request.model", "gen_ai.response.model") ?? context?.model else {
            return .failure(
                Failure(
                    message: "gen_ai.evaluation.result for response '\(parent)' names no model: set "
                        + "gen_ai.request.model on the event, or send its chat span first"))
        }
        let identity = [
            spanKey ?? "", responseId ?? "", attributes.string("gen_ai.evaluation.name") ?? "", String(timeUnixNano),
            label ?? "", score.map { "\($0)" } ?? "",
        ]
        return .success(
            ChatEventLine(
                eventId: "otel:feedback:" + OTLPIdentifiers.digest(identity), type: "feedback",
                timestamp: ChatEventLine.timestamp(unixNanos: timeUnixNano), conversationId: conversation,
                userId: attributes.string("user.id", "enduser.id") ?? context?.userId, parentId: parent, model: model,
                variant: attributes.string("flywheel.variant") ?? context?.variant, rating: rating,
                comment: attributes.string("gen_ai.evaluation.explanation")))
    }

    /// "up", "down", or nil when neither the label nor the score says.
    static func rating(label: String?, score: Double?) -> String? {
        if let label = label?.lowercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(
            of: " ", with: "_")
        {
            if upLabels.contains(label) { return "up" }
            if downLabels.contains(label) { return "down" }
        }
        guard let score, score.isFinite else { return nil }
        if score == -1 { return "down" }
        guard (0...1).contains(score) else { return nil }
        return score >= 0.5 ? "up" : "down"
    }
}
