import FlywheelSignals

/// The circuit breaker of one destination, as a pure state machine (the caller passes the time).
///
/// Closed: every attempt goes. After `failures` failed attempts in a row it opens: no attempt goes
/// until `cooldownMs` passed; then it is half-open and lets exactly one attempt through (the probe).
/// A successful probe closes it; a failed probe opens it again for twice the previous cool-down (up
/// to 16 times the configured one). Attempts that were refused wait; nothing is dropped.
public struct CircuitBreaker: Sendable {
    public enum State: Sendable, Equatable, CustomStringConvertible {
        case closed
        case open(untilMillis: Int64)
        case halfOpen

        public var description: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half-open"
            }
        }

        /// 0 closed, 1 open, 2 half-open (the metric's value).
        public var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }
    }

    public let policy: ForwardSpec.Breaker
    public private(set) var state: State = .closed
    private var consecutiveFailures = 0
    private var cooldownMs: Int64
    private var probeInFlight = false
    /// How many times it opened.
    public private(set) var openings = 0

    public init(_ policy: ForwardSpec.Breaker) {
        self.policy = policy
        cooldownMs = policy.cooldownMs
    }

    /// Asks to send an attempt at `nowMillis`: 0 = go (a probe when half-open), else the milliseconds
    /// to wait before asking again.
    public mutating func permit(nowMillis: Int64) -> Int64 {
        switch state {
        case .closed:
            return 0
        case .open(let until):
            guard nowMillis >= until else { return until - nowMillis }
            state = .halfOpen
            probeInFlight = true
            return 0
        case .halfOpen:
            if probeInFlight { return max(1, min(cooldownMs, 50)) }
            probeInFlight = true
            return 0
        }
    }

    /// An attempt succeeded (the receiver answered 2xx, or with a 4xx that is the record's fault).
    public mutating func succeeded() {
        consecutiveFailures = 0
        probeInFlight = false
        if state != .closed {
            state = .closed
            cooldownMs = policy.cooldownMs
        }
    }

    /// An attempt failed in a way that says the destination is unwell (5xx, 408, 429, timeout, connection).
    public mutating func failed(nowMillis: Int64) {
        consecutiveFailures += 1
        switch state {
        case .halfOpen:
            probeInFlight = false
            cooldownMs = min(cooldownMs * 2, policy.cooldownMs * 16)
            state = .open(untilMillis: nowMillis + cooldownMs)
            openings += 1
        case .closed where consecutiveFailures >= policy.failures:
            state = .open(untilMillis: nowMillis + cooldownMs)
            openings += 1
        case .closed, .open:
            break
        }
    }
}

extension CircuitBreaker {
    /// The probe that `permit` let through did not go after all (the rate limit held it): the next
    /// `permit` may let one through again.
    public mutating func releaseProbe() {
        if state == .halfOpen { probeInFlight = false }
    }
}
