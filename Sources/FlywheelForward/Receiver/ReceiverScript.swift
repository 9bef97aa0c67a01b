/// A simple behaviour for `flywheel receive`: fail a share of the requests with one status (spread evenly over
/// the arrival order, so that a retry usually succeeds), and delay every answer.
public struct ReceiverScript: Sendable {
    /// Share of the requests that fail, 0...1: request `i` fails when `floor((i + 1) * rate) > floor(i * rate)`.
    public var failRate: Double
    /// The status of a failed request.
    public var failStatus: Int
    /// A `Retry-After` header (seconds) on failed requests, if any.
    public var retryAfterSeconds: Int?
    /// Delay of every answer, in milliseconds.
    public var delayMs: Int

    public init(failRate: Double = 0, failStatus: Int = 503, retryAfterSeconds: Int? = nil, delayMs: Int = 0) {
        self.failRate = failRate
        self.failStatus = failStatus
        self.retryAfterSeconds = retryAfterSeconds
        self.delayMs = delayMs
    }

    /// Whether request number `index` (0-based arrival order) fails.
    public func fails(_ index: Int) -> Bool {
        (Double(index + 1) * failRate).rounded(.down) > (Double(index) * failRate).rounded(.down)
    }

    /// The reply to `request`.
    public func reply(to request: LoopbackReceiver.Request) -> LoopbackReceiver.Reply {
        guard fails(request.index) else { return .status(200, delayMs: delayMs) }
        let headers = retryAfterSeconds.map { [(name: "Retry-After", value: String($0))] } ?? []
        return .status(failStatus, headers: headers, body: "failed on purpose (flywheel receive)", delayMs: delayMs)
    }
}
