import FlywheelEngine

/// What model_quality needs of one event.
public struct ModelQualityInput: Sendable {
    public var type: ChatEventType
    public var rating: Rating?
    public var latencyMs: Double
    public var tokensIn: Int64
    public var tokensOut: Int64
    /// Catalog prices of the event's model, when a catalog is configured and names it.
    public var price: ModelInfo?
}

/// The per-(window, model, variant) state of model_quality (CONTRACT 3.1).
public struct ModelQualityAccumulator: WindowAccumulator, Sendable {
    public var responses: Int64 = 0
    public var feedbackUp: Int64 = 0
    public var feedbackDown: Int64 = 0
    public var regenerations: Int64 = 0
    public var copies: Int64 = 0
    public var errors: Int64 = 0
    public var latencies: [Double] = []
    public var latencySum: Double = 0
    /// Token sums: 128 bits, since valid inputs (each up to 2^53) can overflow 64 bits in a window.
    public var tokensIn: Int128 = 0
    public var tokensOut: Int128 = 0
    /// Sum over responses of the catalog cost, in arrival order.
    public var costUsd: Double = 0

    public init() {}

    public mutating func add(_ input: ModelQualityInput) {
        switch input.type {
        case .response:
            responses += 1
            // Room for 32 at the first: a window's latencies grew 1, 2, 4, 8, ... (3 % of a replay's allocations);
            // a few hundred bytes per (window, model, variant) is nothing beside the events they count.
            if latencies.capacity == 0 { latencies.reserveCapacity(32) }
            latencies.append(input.latencyMs)
            latencySum += input.latencyMs
            tokensIn += Int128(input.tokensIn)
            tokensOut += Int128(input.tokensOut)
            if let price = input.price {
                costUsd +=
                    Double(input.tokensIn) / 1000 * price.inputPer1k + Double(input.tokensOut) / 1000
                    * price.outputPer1k
            }
        case .feedback:
            if input.rating == .up { feedbackUp += 1 } else { feedbackDown += 1 }
        case .regenerate: regenerations += 1
        case .copy: copies += 1
        case .error: errors += 1
        case .prompt, .choice: break
        }
    }

    /// The mean latency: the plain sum divided by the count, or, when that sum overflowed to
    /// infinity, the sum of each value divided by the count.
    public func latencyMean() -> Double? {
        guard !latencies.isEmpty else { return nil }
        let count = Double(latencies.count)
        if latencySum.isFinite { return latencySum / count }
        return latencies.reduce(0) { $0 + $1 / count }
    }

    /// Nearest-rank percentile of sorted values: the value at 1-based rank ceil(p * n).
    public static func nearestRank(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }
}
