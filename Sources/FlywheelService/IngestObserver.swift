import FlywheelSignals

/// What `POST /v1/events` tells the stats and the metrics: once per request, never per line.
struct IngestObserver: Sendable {
    let totals: IngestTotals
    let metrics: ServiceMetrics

    /// The GenAI figures of one `response` event: its model, tokens and latency.
    struct Usage: Sendable {
        var model: String?
        var tokensIn: Int64
        var tokensOut: Int64
        var latencyMs: Double?

        /// The figures of `event` when it is a response that carries any, else nil.
        init?(_ event: ChatEvent) {
            guard event.type == .response, event.tokensIn > 0 || event.tokensOut > 0 || event.latencyMs != nil
            else { return nil }
            model = event.model
            tokensIn = event.tokensIn
            tokensOut = event.tokensOut
            latencyMs = event.latencyMs
        }
    }

    func received() { totals.requestReceived() }

    /// The request's lines were durably appended: `accepted` valid lines, the `rejected` ones, the responses'
    /// GenAI figures (as ingested: before the pipeline drops duplicates).
    func acknowledged(accepted: Int, rejected: [Rejection], usage: [Usage]) {
        var reasons: [String: Int] = [:]
        for rejection in rejected { reasons[rejection.reason, default: 0] += 1 }
        totals.acknowledged(accepted: accepted, rejected: reasons)
        metrics.ingested(accepted: accepted, rejected: reasons)
        guard !usage.isEmpty else { return }
        var models: [String: ServiceMetrics.ModelMetrics] = [:]
        for figures in usage {
            let key = figures.model ?? ""
            let model = models[key] ?? metrics.model(figures.model)
            models[key] = model
            if figures.tokensIn > 0 { model.inputTokens.record(figures.tokensIn) }
            if figures.tokensOut > 0 { model.outputTokens.record(figures.tokensOut) }
            if let latency = figures.latencyMs, latency >= 0 {
                model.duration.recordNanoseconds(Int64(latency * 1_000_000))
            }
        }
    }
}
