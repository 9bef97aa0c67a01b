import FlywheelEngine

/// The (model, variant) key of model_quality.
public struct ModelKey: Hashable, Sendable {
    public var model: String
    public var variant: String

    /// Exact code points, not canonical equivalence (see `ExactKey`).
    public static func == (lhs: ModelKey, rhs: ModelKey) -> Bool {
        lhs.model.isExactly(rhs.model) && lhs.variant.isExactly(rhs.variant)
    }

    public func hash(into hasher: inout Hasher) {
        ExactKey(model).hash(into: &hasher)
        ExactKey(variant).hash(into: &hasher)
    }
}

/// Computes `model_quality` per tumbling window and key, and the `quality_alert` derived from
/// each record (CONTRACT 3.1, 3.5, 3.6). Owned by one shard.
public struct ModelQualityOperator: Sendable {
    var windows: KeyedWindowAggregator<ModelKey, ModelQualityAccumulator>
    private var records: ModelQualityRecords
    private var catalog: ModelCatalog?

    public init(config: PipelineConfig, catalog: ModelCatalog?) {
        windows = KeyedWindowAggregator(
            assigner: .tumbling(sizeMs: config.signals.modelQualityWindowMs),
            allowedLatenessMs: config.time.allowedLatenessMs)
        self.catalog = catalog
        records = ModelQualityRecords(
            catalog: catalog, emitQuality: config.signals.enabled.contains(.modelQuality),
            emitAlerts: config.signals.enabled.contains(.qualityAlert),
            minFeedback: Int64(config.signals.alertMinFeedback), maxDownRate: config.signals.alertMaxDownRate)
    }

    /// Prices the responses added from now on, and names the families of the records emitted from now on, with
    /// `catalog` (a reload of a live service). Costs already added keep the prices they were added with.
    public mutating func use(_ catalog: ModelCatalog) {
        self.catalog = catalog
        records.catalog = catalog
    }

    /// `keyHash` is `StableHash.hash(model, variant)`, computed when not given.
    ///
    /// The (model, variant) state is found by the names' bytes: a `ModelKey` is made only for a key a window does
    /// not hold yet.
    public mutating func add(_ event: borrowing ChatEvent, keyHash: UInt64? = nil, into out: inout [SignalRecord]) {
        event.withId(.model) { model in
            guard let model else { return }
            // Every event has a variant's bytes ("default" when it came without one).
            event.withId(.variant) { add(event, model: model, variant: $0!, keyHash: keyHash, into: &out) }
        }
    }

    private mutating func add(
        _ event: borrowing ChatEvent, model: UnsafeBufferPointer<UInt8>, variant: UnsafeBufferPointer<UInt8>,
        keyHash: UInt64?, into out: inout [SignalRecord]
    ) {
        var input = ModelQualityInput(
            type: event.type, rating: event.rating, latencyMs: event.latencyMs ?? 0, tokensIn: event.tokensIn,
            tokensOut: event.tokensOut, price: nil)
        if event.type == .response, let catalog {
            input.price = catalog.info(for: String(decoding: model, as: UTF8.self))
        }
        let records = records
        windows.add(
            input, hash: keyHash ?? StableHash.hash(bytes: model, variant),
            matching: { $0.model.hasUTF8(model) && $0.variant.hasUTF8(variant) },
            makeKey: {
                ModelKey(
                    model: String(decoding: model, as: UTF8.self), variant: String(decoding: variant, as: UTF8.self))
            }, at: event.time
        ) { window, key, acc in
            records.emit(window, key, acc, into: &out)
        }
    }

    public mutating func advance(to watermark: EventTime, into out: inout [SignalRecord]) {
        // The watermark moves with nearly every event and seldom fires a window: the records' encoder (which
        // holds the catalog) is copied, a retain, only when one fires.
        guard windows.hasTimer(notAfter: watermark) else { return windows.advance(to: watermark) { _, _, _ in } }
        let records = records
        windows.advance(to: watermark) { window, key, acc in records.emit(window, key, acc, into: &out) }
    }
}

/// Encodes model_quality and quality_alert records.
struct ModelQualityRecords: Sendable {
    var catalog: ModelCatalog?
    let emitQuality: Bool
    let emitAlerts: Bool
    let minFeedback: Int64
    let maxDownRate: Double

    func emit(_ window: Window, _ key: ModelKey, _ acc: ModelQualityAccumulator, into out: inout [SignalRecord]) {
        let sortKey = OutputSortKey(window.end.millis, window.start.millis, key.model, key.variant)
        if emitQuality {
            out.append(SignalRecord(kind: .modelQuality, key: sortKey, line: qualityLine(window, key, acc)))
        }
        let feedback = acc.feedbackUp + acc.feedbackDown
        guard emitAlerts, feedback > 0, feedback >= minFeedback else { return }
        let downRate = Double(acc.feedbackDown) / Double(feedback)
        guard downRate >= maxDownRate else { return }
        var writer = JSONWriter()
        writer.field("signal", "quality_alert")
        writer.field("window_start", time: window.start)
        writer.field("window_end", time: window.end)
        writer.field("model", key.model)
        writer.field("variant", key.variant)
        writer.field("down_rate", downRate)
        writer.field("feedback", feedback)
        out.append(SignalRecord(kind: .qualityAlert, key: sortKey, line: writer.finishLine()))
    }

    private func qualityLine(_ window: Window, _ key: ModelKey, _ acc: ModelQualityAccumulator) -> [UInt8] {
        var writer = JSONWriter(capacity: 640)
        writer.field("signal", "model_quality")
        writer.field("window_start", time: window.start)
        writer.field("window_end", time: window.end)
        writer.field("model", key.model)
        writer.field("variant", key.variant)
        writer.field("responses", acc.responses)
        writer.field("feedback_up", acc.feedbackUp)
        writer.field("feedback_down", acc.feedbackDown)
        let feedback = acc.feedbackUp + acc.feedbackDown
        writer.field("up_rate", feedback > 0 ? Double(acc.feedbackUp) / Double(feedback) : nil)
        writer.field("regenerations", acc.regenerations)
        writer.field("regenerate_rate", acc.responses > 0 ? Double(acc.regenerations) / Double(acc.responses) : nil)
        writer.field("copies", acc.copies)
        writer.field("errors", acc.errors)
        let attempts = acc.responses + acc.errors
        writer.field("error_rate", attempts > 0 ? Double(acc.errors) / Double(attempts) : nil)
        let sorted = acc.latencies.sorted()
        writer.field("latency_ms_mean", acc.latencyMean())
        writer.field("latency_ms_p50", ModelQualityAccumulator.nearestRank(sorted, 0.50))
        writer.field("latency_ms_p95", ModelQualityAccumulator.nearestRank(sorted, 0.95))
        writer.field("latency_ms_p99", ModelQualityAccumulator.nearestRank(sorted, 0.99))
        writer.field("tokens_in", acc.tokensIn)
        writer.field("tokens_out", acc.tokensOut)
        if let catalog {
            let info = catalog.info(for: key.model)
            writer.field("model_family", info?.family)
            writer.field("cost_usd", info == nil ? nil : acc.costUsd)
        }
        return writer.finishLine()
    }
}
