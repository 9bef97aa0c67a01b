import Foundation
import SwiftProtobuf
import Testing

@testable import FlywheelService

/// The mapping of GenAI spans and evaluation events onto chat events, with hand-built OTLP messages.
struct OTLPMappingTests {
    static let traceID = Data((1...16).map { UInt8($0) })
    static let spanID = Data((0xA1...0xA8).map { UInt8($0) })
    static let spanKey = "otel:0102030405060708090a0b0c0d0e0f10:a1a2a3a4a5a6a7a8"
    /// 2026-11-26T10:00:00.000Z
    static let start: UInt64 = 1_795_687_200_000_000_000

    static func attribute(_ key: String, _ value: OTLPAnyValue.OneOf_Value) -> OTLPKeyValue {
        var pair = OTLPKeyValue()
        pair.key = key
        pair.value.value = value
        return pair
    }

    static func chatSpan(
        input: String? = #"[{"role":"system","parts":[{"type":"text","content":"Be brief."}]},"#
            + #"{"role":"user","parts":[{"type":"text","content":"What is 2+2?"}]}]"#,
        output: String? = #"[{"role":"assistant","parts":[{"type":"text","content":"4"}],"finish_reason":"stop"}]"#,
        responseId: String? = "chatcmpl-1", span: Data = spanID
    ) -> OTLPSpan {
        var value = OTLPSpan()
        value.traceID = traceID
        value.spanID = span
        value.name = "chat gpt-a"
        value.startTimeUnixNano = start
        value.endTimeUnixNano = start + 1_250_500_000
        value.attributes = [
            attribute("gen_ai.operation.name", .stringValue("chat")),
            attribute("gen_ai.request.model", .stringValue("gpt-a")),
            attribute("gen_ai.response.model", .stringValue("gpt-a-2026-01")),
            attribute("gen_ai.conversation.id", .stringValue("conv-1")),
            attribute("gen_ai.usage.input_tokens", .intValue(12)),
            attribute("gen_ai.usage.output_tokens", .intValue(3)),
            attribute("user.id", .stringValue("u-1")),
        ]
        if let input { value.attributes.append(attribute("gen_ai.input.messages", .stringValue(input))) }
        if let output { value.attributes.append(attribute("gen_ai.output.messages", .stringValue(output))) }
        if let responseId { value.attributes.append(attribute("gen_ai.response.id", .stringValue(responseId))) }
        return value
    }

    static let resource = [
        attribute("service.name", .stringValue("app")), attribute("flywheel.variant", .stringValue("b")),
    ]

    static func events(_ outcome: OTLPRecordOutcome) -> [ChatEventLine] {
        guard case .events(let events, _) = outcome else { return [] }
        return events
    }

    @Test func chatSpanGivesAPromptAtItsStartAndAResponseAtItsEnd() throws {
        let events = Self.events(GenAISpanMapper.map(Self.chatSpan(), resource: Self.resource))
        try #require(events.count == 2)
        let (prompt, response) = (events[0], events[1])
        #expect(prompt.type == "prompt" && prompt.timestamp == "2026-11-26T10:00:00.000Z")
        #expect(prompt.conversationId == "conv-1" && prompt.userId == "u-1" && prompt.variant == "b")
        #expect(prompt.text == "What is 2+2?")
        #expect(prompt.eventId.hasPrefix("otel:prompt:") && prompt.messageId == prompt.eventId)
        #expect(
            response
                == ChatEventLine(
                    eventId: Self.spanKey + ":response", type: "response", timestamp: "2026-11-26T10:00:01.250Z",
                    conversationId: "conv-1", userId: "u-1", messageId: "chatcmpl-1", parentId: prompt.messageId,
                    model: "gpt-a", variant: "b", text: "4", latencyMs: 1250.5, tokensIn: 12, tokensOut: 3))
    }

    @Test func theSameInputInAConversationIsOnePrompt() {
        let first = Self.events(GenAISpanMapper.map(Self.chatSpan(), resource: []))
        let again = Self.events(
            GenAISpanMapper.map(
                Self.chatSpan(responseId: "chatcmpl-2", span: Data(repeating: 7, count: 8)), resource: []))
        #expect(first[0] == again[0])
        #expect(first[1].messageId == "chatcmpl-1" && again[1].messageId == "chatcmpl-2")
        #expect(first[1].parentId == again[1].parentId)
        // Without captured input each span is its own prompt; without a response id the span names the response.
        let bare = Self.events(
            GenAISpanMapper.map(Self.chatSpan(input: nil, output: nil, responseId: nil), resource: []))
        #expect(bare[0].eventId == Self.spanKey + ":prompt" && bare[0].text == "")
        #expect(bare[1].messageId == Self.spanKey && bare[1].text == "" && bare[1].variant == nil)
    }

    @Test func aRetriedExportGivesTheSameEvents() {
        let span = Self.chatSpan()
        #expect(
            Self.events(GenAISpanMapper.map(span, resource: Self.resource))
                == Self.events(GenAISpanMapper.map(span, resource: Self.resource)))
    }

    @Test func anErrorStatusGivesAnErrorEventInsteadOfAResponse() {
        var span = Self.chatSpan(output: nil)
        span.status.code = .error
        span.status.message = "upstream timed out"
        span.attributes.append(Self.attribute("error.type", .stringValue("timeout")))
        let events = Self.events(GenAISpanMapper.map(span, resource: []))
        #expect(events.map(\.type) == ["prompt", "error"])
        #expect(events[1].model == "gpt-a" && events[1].errorCode == "timeout")
        #expect(events[1].eventId == Self.spanKey + ":error" && events[1].timestamp == "2026-11-26T10:00:01.250Z")
    }

    @Test func spansWithoutAGenAIChatOperationAreSkipped() {
        var plain = Self.chatSpan()
        plain.attributes.removeAll { $0.key == "gen_ai.operation.name" }
        var embeddings = Self.chatSpan()
        embeddings.attributes[0] = Self.attribute("gen_ai.operation.name", .stringValue("embeddings"))
        for span in [plain, embeddings] {
            guard case .skipped = GenAISpanMapper.map(span, resource: []) else {
                Issue.record("not skipped: \(span.attributes)")
                continue
            }
        }
    }

    @Test func aChatSpanWithBadIdsOrTimesIsRejectedWithTheReason() {
        var noIds = Self.chatSpan()
        noIds.traceID = Data()
        var backwards = Self.chatSpan()
        backwards.endTimeUnixNano = backwards.startTimeUnixNano - 1
        for (span, reason) in [(noIds, "invalid trace_id or span_id"), (backwards, "ends before it starts")] {
            guard case .rejected(let message) = GenAISpanMapper.map(span, resource: []) else {
                Issue.record("not rejected")
                continue
            }
            #expect(message.contains(reason), "\(message)")
        }
    }

    @Test(
        arguments: [
            ("thumbs_up", nil, "up"), ("Thumbs Down", nil, "down"), ("pass", nil, "up"), ("fail", 1.0, "down"),
            (nil, 1.0, "up"), (nil, 0.5, "up"), (nil, 0.49, "down"), (nil, 0.0, "down"), (nil, -1.0, "down"),
            ("formal", nil, nil), (nil, 4.0, nil), (nil, nil, nil), ("formal", 0.9, "up"),
        ] as [(String?, Double?, String?)])
    func evaluationRatings(label: String?, score: Double?, rating: String?) {
        #expect(GenAIEvaluationMapper.rating(label: label, score: score) == rating)
    }

    @Test func anEvaluationSpanEventIsFeedbackOnTheSpansResponse() throws {
        var span = Self.chatSpan()
        var event = Opentelemetry_Proto_Trace_V1_Span.Event()
        event.name = "gen_ai.evaluation.result"
        event.timeUnixNano = Self.start + 5_000_000_000
        event.attributes = [
            Self.attribute("gen_ai.evaluation.name", .stringValue("relevance")),
            Self.attribute("gen_ai.evaluation.score.label", .stringValue("relevant")),
            Self.attribute("gen_ai.evaluation.explanation", .stringValue("on topic")),
        ]
        span.events = [event]
        let events = Self.events(GenAISpanMapper.map(span, resource: Self.resource))
        try #require(events.count == 3)
        let feedback = events[2]
        #expect(feedback.type == "feedback" && feedback.rating == "up" && feedback.comment == "on topic")
        #expect(feedback.parentId == "chatcmpl-1" && feedback.model == "gpt-a" && feedback.conversationId == "conv-1")
        #expect(feedback.timestamp == "2026-11-26T10:00:05.000Z" && feedback.variant == "b")
    }

    @Test func anEvaluationLogRecordFindsItsSpanThroughTheIndex() throws {
        let mapper = OTLPMapper(index: GenAISpanIndex())
        var traces = OTLPMapper.TraceRequest()
        traces.resourceSpans = [Self.resourceSpans([Self.chatSpan()])]
        #expect(mapper.mapTraces(traces).mapped == 1)

        var record = Opentelemetry_Proto_Logs_V1_LogRecord()
        record.eventName = "gen_ai.evaluation.result"
        record.observedTimeUnixNano = Self.start + 9_000_000_000
        record.traceID = Self.traceID
        record.spanID = Self.spanID
        record.attributes = [Self.attribute("gen_ai.evaluation.score.value", .doubleValue(0))]
        var byResponse = Opentelemetry_Proto_Logs_V1_LogRecord()
        byResponse.timeUnixNano = Self.start + 10_000_000_000
        byResponse.attributes = [
            Self.attribute("event.name", .stringValue("gen_ai.evaluation.result")),
            Self.attribute("gen_ai.response.id", .stringValue("chatcmpl-1")),
            Self.attribute("gen_ai.evaluation.score.label", .stringValue("good")),
        ]
        var unknown = byResponse
        unknown.attributes[1] = Self.attribute("gen_ai.response.id", .stringValue("never-seen"))
        var plain = Opentelemetry_Proto_Logs_V1_LogRecord()
        plain.body.stringValue = "hello"
        let mapping = mapper.mapLogs(Self.logs([record, byResponse, unknown, plain]))
        try #require(mapping.events.map(\.rating) == ["down", "up"])
        #expect(mapping.events.allSatisfy { $0.parentId == "chatcmpl-1" && $0.model == "gpt-a" })
        #expect(mapping.events.allSatisfy { $0.conversationId == "conv-1" && $0.variant == "b" })
        #expect(mapping.events[0].timestamp == "2026-11-26T10:00:09.000Z")
        #expect((mapping.mapped, mapping.rejected, mapping.skipped) == (2, 1, 1))
        #expect(mapping.message.contains("rejected 1 log record: "), "\(mapping.message)")
        #expect(mapping.message.contains("'never-seen' names no conversation"), "\(mapping.message)")
        #expect(mapping.message.contains("skipped 1 log record without GenAI chat data"), "\(mapping.message)")
    }

    @Test func anEvaluationWithItsOwnConversationAndModelNeedsNoSpan() throws {
        var record = Opentelemetry_Proto_Logs_V1_LogRecord()
        record.eventName = "gen_ai.evaluation.result"
        record.timeUnixNano = Self.start
        record.attributes = [
            Self.attribute("gen_ai.response.id", .stringValue("r-9")),
            Self.attribute("gen_ai.conversation.id", .stringValue("c-9")),
            Self.attribute("gen_ai.request.model", .stringValue("m-9")),
            Self.attribute("gen_ai.evaluation.score.label", .stringValue("down")),
        ]
        let mapping = OTLPMapper(index: GenAISpanIndex()).mapLogs(Self.logs([record]))
        try #require(mapping.events.count == 1)
        let event = mapping.events[0]
        #expect((event.parentId, event.conversationId, event.model, event.rating) == ("r-9", "c-9", "m-9", "down"))
    }

    /// OTLP/JSON (hex ids, int64 as strings, enums as numbers, camelCase keys, unknown fields) decodes to the
    /// same request as its protobuf form.
    @Test func otlpJSONDecodesLikeProtobuf() throws {
        let json = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"flywheel.variant","value":{"stringValue":"b"}}]},
             "scopeSpans":[{"scope":{"name":"x"},"spans":[{
              "traceId":"0102030405060708090A0B0C0D0E0F10","spanId":"a1a2a3a4a5a6a7a8","parentSpanId":"",
              "name":"chat gpt-a","kind":3,"startTimeUnixNano":"1795687200000000000",
              "endTimeUnixNano":1795687201250500000,"futureField":{"x":1},
              "attributes":[
               {"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
               {"key":"gen_ai.request.model","value":{"stringValue":"gpt-a"}},
               {"key":"gen_ai.conversation.id","value":{"stringValue":"conv-1"}},
               {"key":"gen_ai.usage.input_tokens","value":{"intValue":"12"}},
               {"key":"gen_ai.usage.output_tokens","value":{"intValue":3}},
               {"key":"gen_ai.response.id","value":{"stringValue":"chatcmpl-1"}},
               {"key":"spanId","value":{"stringValue":"a1a2a3a4a5a6a7a8"}}],
              "status":{"code":1}}]}]}]}
            """
        let decoded = try OTLPEncoding.json.decode(OTLPMapper.TraceRequest.self, from: Array(json.utf8))
        let span = decoded.resourceSpans[0].scopeSpans[0].spans[0]
        #expect(span.traceID == Self.traceID && span.spanID == Self.spanID && span.kind == .client)
        #expect(span.startTimeUnixNano == Self.start && span.endTimeUnixNano == Self.start + 1_250_500_000)
        // A hex-looking attribute value is a value, not an id: it stays as sent.
        #expect(span.attributes.last?.value.stringValue == "a1a2a3a4a5a6a7a8")
        let events = Self.events(GenAISpanMapper.map(span, resource: decoded.resourceSpans[0].resource.attributes))
        #expect(events.map(\.eventId).last == Self.spanKey + ":response")
        #expect(events.last?.tokensIn == 12 && events.last?.variant == "b")
    }

    @Test func badBodiesAreMalformedWithTheMessageName() {
        for (encoding, body) in [
            (OTLPEncoding.protobuf, [0xFF, 0xFF, 0xFF] as [UInt8]), (.json, Array("{\"resourceSpans\":7}".utf8)),
        ] {
            #expect {
                _ = try encoding.decode(OTLPMapper.TraceRequest.self, from: body)
            } throws: { error in
                guard let error = error as? ServiceError else { return false }
                return error.code == .malformedBody
                    && error.message.contains("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest")
            }
        }
    }

    static func resourceSpans(_ spans: [OTLPSpan]) -> Opentelemetry_Proto_Trace_V1_ResourceSpans {
        var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scope.spans = spans
        var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        resourceSpans.resource.attributes = resource
        resourceSpans.scopeSpans = [scope]
        return resourceSpans
    }

    static func logs(_ records: [Opentelemetry_Proto_Logs_V1_LogRecord]) -> OTLPMapper.LogsRequest {
        var scope = Opentelemetry_Proto_Logs_V1_ScopeLogs()
        scope.logRecords = records
        var resourceLogs = Opentelemetry_Proto_Logs_V1_ResourceLogs()
        resourceLogs.resource.attributes = resource
        resourceLogs.scopeLogs = [scope]
        var request = OTLPMapper.LogsRequest()
        request.resourceLogs = [resourceLogs]
        return request
    }
}
