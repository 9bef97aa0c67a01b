import FlywheelEngine
import FlywheelSignals

/// Decodes the flat fields of signal records with the fast line scanner (no Foundation JSON).
struct RecordScanner {
    enum Key: Int, CaseIterable {
        case signal, windowStart, windowEnd, model, variant, responses, feedbackUp, feedbackDown
        case regenerations, copies, errors, latencyMean, latencyP50, latencyP95, latencyP99, tokensIn, tokensOut
        case downRate, feedback, pairId, conversationId, source, prompt, chosen, rejected, chosenModel
        case rejectedModel, timestamp, reason, type, sessionStart, outcome, eventId
    }

    static let names = [
        "signal", "window_start", "window_end", "model", "variant", "responses", "feedback_up", "feedback_down",
        "regenerations", "copies", "errors", "latency_ms_mean", "latency_ms_p50", "latency_ms_p95", "latency_ms_p99",
        "tokens_in", "tokens_out", "down_rate", "feedback", "pair_id", "conversation_id", "source", "prompt",
        "chosen", "rejected", "chosen_model", "rejected_model", "timestamp", "reason", "type", "session_start",
        "outcome", "event_id",
    ]

    private var scanner = JSONLineScanner(keys: RecordScanner.names)

    /// Scans a line; the record kind named by its `signal` field, or nil when it is not a signal record.
    mutating func scan(_ line: UnsafeRawBufferPointer) -> RecordKind? {
        guard scanner.scan(line) == .object, let name = string(.signal) else { return nil }
        return RecordKind(signalName: name)
    }

    func string(_ key: Key) -> String? {
        if case .string(let text) = scanner.values[key.rawValue] { return text }
        return nil
    }

    func int(_ key: Key) -> Int64? {
        if case .number(let value, let exact) = scanner.values[key.rawValue] { return exact ?? Int64(exactly: value) }
        return nil
    }

    func double(_ key: Key) -> Double? {
        if case .number(let value, _) = scanner.values[key.rawValue] { return value }
        return nil
    }

    func time(_ key: Key) -> EventTime? { string(key).flatMap { EventTime.parseRFC3339($0) } }

    func quality() -> QualityRecord? {
        guard let start = time(.windowStart), let end = time(.windowEnd), let model = string(.model),
            let variant = string(.variant), let responses = int(.responses)
        else { return nil }
        var latency: LatencyWindow?
        if responses > 0, let mean = double(.latencyMean), let p50 = double(.latencyP50),
            let p95 = double(.latencyP95), let p99 = double(.latencyP99)
        {
            latency = LatencyWindow(responses: responses, mean: mean, p50: p50, p95: p95, p99: p99)
        }
        return QualityRecord(
            windowStart: start, windowEnd: end, model: model, variant: variant, responses: responses,
            feedbackUp: int(.feedbackUp) ?? 0, feedbackDown: int(.feedbackDown) ?? 0,
            regenerations: int(.regenerations) ?? 0, copies: int(.copies) ?? 0, errors: int(.errors) ?? 0,
            latency: latency, tokensIn: int(.tokensIn) ?? 0, tokensOut: int(.tokensOut) ?? 0)
    }

    func alert() -> AlertRecord? {
        guard let start = time(.windowStart), let end = time(.windowEnd), let model = string(.model),
            let variant = string(.variant), let downRate = double(.downRate), let feedback = int(.feedback)
        else { return nil }
        return AlertRecord(
            windowStart: start, windowEnd: end, model: model, variant: variant, downRate: downRate, feedback: feedback)
    }

    func pair() -> PairRecord? {
        guard let pairId = string(.pairId), let timestamp = time(.timestamp) else { return nil }
        return PairRecord(
            pairId: pairId, conversationId: string(.conversationId) ?? "", source: string(.source) ?? "",
            prompt: string(.prompt) ?? "", chosen: string(.chosen) ?? "", rejected: string(.rejected) ?? "",
            chosenModel: string(.chosenModel) ?? "", rejectedModel: string(.rejectedModel) ?? "",
            timestamp: timestamp)
    }
}
