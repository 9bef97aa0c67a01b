import Foundation

typealias OTLPSpan = Opentelemetry_Proto_Trace_V1_Span

/// Maps a span that follows the OpenTelemetry GenAI semantic conventions onto chat events (README: "OpenTelemetry
/// (OTLP/HTTP) ingest" has the table).
///
/// A chat operation (`gen_ai.operation.name` chat, text_completion or generate_content) gives a prompt at the
/// span's start, then a response at its end (or an error, when the span's status is ERROR), and a feedback event
/// for each `gen_ai.evaluation.result` span event. Event ids derive from the trace and span ids (and the captured
/// input), so a retried export gives the same ids and the pipeline drops the copies.
enum GenAISpanMapper {
    static let chatOperations: Set<String> = ["chat", "text_completion", "generate_content"]

    static func map(_ span: OTLPSpan, resource: [OTLPKeyValue]) -> OTLPRecordOutcome {
        let attributes = OTLPAttributes(own: span.attributes, resource: resource)
        guard let operation = attributes.string("gen_ai.operation.name"), chatOperations.contains(operation) else {
            return .skipped
        }
        guard span.traceID.count == 16, span.spanID.count == 8 else {
            return .rejected(
                "span '\(span.name)' has an invalid trace_id or span_id (\(span.traceID.count) and "
                    + "\(span.spanID.count) bytes; 16 and 8 expected)")
        }
        let spanKey = "otel:\(OTLPIdentifiers.hex(span.traceID)):\(OTLPIdentifiers.hex(span.spanID))"
        guard span.startTimeUnixNano > 0, span.endTimeUnixNano >= span.startTimeUnixNano else {
            return .rejected(
                "span \(spanKey) has no start time or ends before it starts (start_time_unix_nano "
                    + "\(span.startTimeUnixNano), end_time_unix_nano \(span.endTimeUnixNano))")
        }
        let conversation =
            attributes.string("gen_ai.conversation.id") ?? "otel:\(OTLPIdentifiers.hex(span.traceID))"
        let prompt = promptEvent(span, attributes, spanKey: spanKey, conversation: conversation)
        let context = GenAIResponseContext(
            conversationId: conversation, messageId: attributes.string("gen_ai.response.id") ?? spanKey,
            model: attributes.string("gen_ai.request.model", "gen_ai.response.model"),
            variant: attributes.string("flywheel.variant"), userId: attributes.string("user.id", "enduser.id"))
        if span.status.code == .error {
            let error = ChatEventLine(
                eventId: spanKey + ":error", type: "error",
                timestamp: ChatEventLine.timestamp(unixNanos: span.endTimeUnixNano), conversationId: conversation,
                userId: context.userId, parentId: prompt.messageId, model: context.model, variant: context.variant,
                errorCode: attributes.string("error.type") ?? (span.status.message.isEmpty ? nil : span.status.message))
            return .events([prompt, error], context: nil)
        }
        var events = [prompt, responseEvent(span, attributes, spanKey: spanKey, prompt: prompt, context: context)]
        for event in span.events where event.name == GenAIEvaluationMapper.eventName {
            let evaluation = OTLPAttributes(own: event.attributes, resource: resource)
            switch GenAIEvaluationMapper.feedback(
                evaluation, traceID: span.traceID, spanID: span.spanID, timeUnixNano: event.timeUnixNano,
                context: context)
            {
            case .success(let feedback): events.append(feedback)
            case .failure(let reason): return .rejected("span \(spanKey): \(reason.message)")
            }
        }
        return .events(events, context: context)
    }

    /// The prompt: one per distinct captured input in a conversation (a regeneration sends the same input, so
    /// its prompt is the same event), else one per span.
    private static func promptEvent(
        _ span: OTLPSpan, _ attributes: OTLPAttributes, spanKey: String, conversation: String
    ) -> ChatEventLine {
        let input = attributes.value("gen_ai.input.messages")
        let messages = GenAIMessages.messages(input)
        let id: String
        if let messages, !messages.isEmpty, let identity = canonical(input) {
            id = "otel:prompt:" + OTLPIdentifiers.digest([conversation, identity])
        } else {
            id = spanKey + ":prompt"
        }
        return ChatEventLine(
            eventId: id, type: "prompt", timestamp: ChatEventLine.timestamp(unixNanos: span.startTimeUnixNano),
            conversationId: conversation, userId: attributes.string("user.id", "enduser.id"), messageId: id,
            variant: attributes.string("flywheel.variant"), text: messages.flatMap(GenAIMessages.promptText) ?? "")
    }

    private static func responseEvent(
        _ span: OTLPSpan, _ attributes: OTLPAttributes, spanKey: String, prompt: ChatEventLine,
        context: GenAIResponseContext
    ) -> ChatEventLine {
        let output = GenAIMessages.messages(attributes.value("gen_ai.output.messages"))
        return ChatEventLine(
            eventId: spanKey + ":response", type: "response",
            timestamp: ChatEventLine.timestamp(unixNanos: span.endTimeUnixNano), conversationId: context.conversationId,
            userId: context.userId, messageId: context.messageId, parentId: prompt.messageId, model: context.model,
            variant: context.variant, text: output.flatMap(GenAIMessages.responseText) ?? "",
            latencyMs: Double(span.endTimeUnixNano - span.startTimeUnixNano) / 1_000_000,
            tokensIn: attributes.integer("gen_ai.usage.input_tokens")
                ?? attributes.integer("gen_ai.usage.prompt_tokens"),
            tokensOut: attributes.integer("gen_ai.usage.output_tokens")
                ?? attributes.integer("gen_ai.usage.completion_tokens"))
    }

    /// The captured input as one string: the JSON text as sent, or the structured form written with sorted keys.
    private static func canonical(_ value: OTLPAnyValue?) -> String? {
        switch value?.value {
        case .stringValue(let text)?: return text
        case .arrayValue?:
            guard let value,
                let data = try? JSONSerialization.data(
                    withJSONObject: GenAIMessages.foundation(value), options: [.sortedKeys])
            else { return nil }
            return String(decoding: data, as: UTF8.self)
        default: return nil
        }
    }
}
