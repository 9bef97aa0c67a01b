import FlywheelEngine
import FlywheelSignals

/// Decodes the flat fields of signal records with the fast line scanner (no Foundation JSON).
///
/// Numbers are taken as any producer may write them: a count field (responses, tokens, ...) holding a fraction,
/// an exponent or a value beyond Int64 is rounded toward zero and clamped into Int64; a real field (latency,
/// down rate) beyond ±``maxMagnitude`` is clamped to it; a literal beyond a Double (1e999) counts as absent.
/// Each sets ``adjusted`` for the record, so the reader can say how many records were changed. Nothing a
/// record holds can make arithmetic on it trap.
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

    /// The largest magnitude kept in a real field: far above any latency or rate, and small enough that sums
    /// and products of many of them with counts stay finite.
    static let maxMagnitude = 1e250

    private var scanner = JSONLineScanner(keys: RecordScanner.names)
    /// Whether a number of the last record read was rounded or clamped.
    private(set) var adjusted = false

    /// Scans a line; the record kind named by its `signal` field, or nil when it is not a signal record.
    mutating func scan(_ line: UnsafeRawBufferPointer) -> RecordKind? {
        adjusted = false
        guard scanner.scan(line) == .object, let name = string(.signal) else { return nil }
        return RecordKind(signalName: name)
    }

    func string(_ key: Key) -> String? {
        if case .string(let text) = scanner.values[key.rawValue] { return text }
        return nil
    }

    /// A count field; see the type's notes for numbers that are not integers in Int64.
    mutating func int(_ key: Key) -> Int64? {
        switch scanner.values[key.rawValue] {
        case .number(let value, let exact):
            if let integer = exact ?? Int64(exactly: value) { return integer }
            adjusted = true
            return Int64(roundingClamped: value)
        case .nonFiniteNumber:
            adjusted = true
            return nil
        default:
            return nil
        }
    }

    /// A real field, within ±``maxMagnitude``.
    mutating func double(_ key: Key) -> Double? {
        switch scanner.values[key.rawValue] {
        case .number(let value, _):
            guard abs(value) > Self.maxMagnitude else { return value }
            adjusted = true
            return value < 0 ? -Self.maxMagnitude : Self.maxMagnitude
        case .nonFiniteNumber:
            adjusted = true
            return nil
        default:
            return nil
        }
    }

    func time(_ key: Key) -> EventTime? { string(key).flatMap { EventTime.parseRFC3339($0) } }

    mutating func quality() -> QualityRecord? {
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

    mutating func alert() -> AlertRecord? {
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
