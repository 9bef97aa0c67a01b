/// A token bucket: `rate` tokens per second, holding at most `burst`. Pure: the caller passes the time.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var lastMillis: Int64?

    public init(rate: Double, burst: Double? = nil) {
        self.rate = rate
        self.burst = max(1, burst ?? rate)
        tokens = self.burst
    }

    /// Takes one token at `nowMillis`; returns 0 when one was there, else the milliseconds until one is
    /// (nothing is taken then).
    public mutating func take(nowMillis: Int64) -> Int64 {
        if let lastMillis, nowMillis > lastMillis {
            tokens = min(burst, tokens + Double(nowMillis - lastMillis) * rate / 1000)
        }
        lastMillis = max(lastMillis ?? nowMillis, nowMillis)
        if tokens >= 1 {
            tokens -= 1
            return 0
        }
        return max(1, Int64(((1 - tokens) * 1000 / rate).rounded(.up)))
    }
}
