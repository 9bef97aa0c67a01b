/// Maps OTLP export requests onto chat events: GenAI chat spans (`GenAISpanMapper`) and `gen_ai.evaluation.result`
/// log records (`GenAIEvaluationMapper`), resolving evaluations against the chat spans received before.
struct OTLPMapper: Sendable {
    let index: GenAISpanIndex

    typealias TraceRequest = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
    typealias LogsRequest = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest

    /// The chat events of every span; chat spans are remembered for the evaluations that follow.
    func mapTraces(_ export: TraceRequest) -> OTLPMapping {
        var mapping = OTLPMapping(recordName: "span")
        for resourceSpans in export.resourceSpans {
            for scopeSpans in resourceSpans.scopeSpans {
                for span in scopeSpans.spans {
                    let outcome = GenAISpanMapper.map(span, resource: resourceSpans.resource.attributes)
                    if case .events(_, let context?) = outcome {
                        var keys = [
                            GenAISpanIndex.spanKey(
                                traceHex: OTLPIdentifiers.hex(span.traceID), spanHex: OTLPIdentifiers.hex(span.spanID))
                        ]
                        if let id = OTLPAttributes(own: span.attributes).string("gen_ai.response.id") {
                            keys.append(GenAISpanIndex.responseKey(id))
                        }
                        index.remember(context, keys: keys)
                    }
                    mapping.add(outcome)
                }
            }
        }
        return mapping
    }

    /// The feedback events of every `gen_ai.evaluation.result` log record.
    func mapLogs(_ export: LogsRequest) -> OTLPMapping {
        var mapping = OTLPMapping(recordName: "log record")
        for resourceLogs in export.resourceLogs {
            for scopeLogs in resourceLogs.scopeLogs {
                for record in scopeLogs.logRecords {
                    mapping.add(mapLog(record, resource: resourceLogs.resource.attributes))
                }
            }
        }
        return mapping
    }

    func mapLog(_ record: OTLPLogRecord, resource: [OTLPKeyValue]) -> OTLPRecordOutcome {
        guard GenAIEvaluationMapper.isEvaluation(record) else { return .skipped }
        let attributes = OTLPAttributes(own: record.attributes, resource: resource)
        var keys: [String] = []
        if record.traceID.count == 16 && record.spanID.count == 8 {
            keys.append(
                GenAISpanIndex.spanKey(
                    traceHex: OTLPIdentifiers.hex(record.traceID), spanHex: OTLPIdentifiers.hex(record.spanID)))
        }
        if let id = attributes.string("gen_ai.response.id") { keys.append(GenAISpanIndex.responseKey(id)) }
        let time = record.timeUnixNano > 0 ? record.timeUnixNano : record.observedTimeUnixNano
        switch GenAIEvaluationMapper.feedback(
            attributes, traceID: record.traceID, spanID: record.spanID, timeUnixNano: time,
            context: index.lookUp(keys))
        {
        case .success(let event): return .events([event], context: nil)
        case .failure(let failure): return .rejected(failure.message)
        }
    }
}
