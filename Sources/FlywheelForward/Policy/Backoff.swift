import FlywheelSignals

/// How long to wait before the next attempt of a failed request.
///
/// Full jitter (a uniform random time up to the exponential bound), so that many senders that failed
/// together do not retry together; `Retry-After` from the receiver wins when it asks for longer
/// than the jitter gave, capped at `capMs` so that a receiver cannot park the sink for a day.
public struct Backoff: Sendable {
    public let retry: ForwardSpec.Retry

    public init(_ retry: ForwardSpec.Retry) { self.retry = retry }

    /// The exponential bound after `attempt` failed attempts (1-based): `min(cap, base * 2^(attempt-1))`.
    public func bound(afterAttempt attempt: Int) -> Int64 {
        let shift = min(max(attempt - 1, 0), 40)
        let grown = retry.baseMs.multipliedReportingOverflow(by: Int64(1) << shift)
        return grown.overflow ? retry.capMs : min(retry.capMs, grown.partialValue)
    }

    /// The wait after `attempt` failed attempts, in milliseconds; `random` is uniform in [0, 1).
    public func delay(afterAttempt attempt: Int, retryAfterMs: Int64?, random: Double) -> Int64 {
        let jittered = Int64((Double(bound(afterAttempt: attempt)) * min(max(random, 0), 1)).rounded(.down))
        guard let retryAfterMs else { return jittered }
        return min(retry.capMs, max(jittered, retryAfterMs))
    }

    /// Whether another attempt is allowed after `attempt` attempts.
    public func allowsAnother(after attempt: Int) -> Bool { attempt < retry.maxAttempts }
}

/// Parses a `Retry-After` value: delay-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`),
/// relative to `nowEpochMillis`. Nil when it is neither.
public func parseRetryAfter(_ value: String, nowEpochMillis: Int64) -> Int64? {
    let trimmed = value.trimmingSpaces
    if let seconds = Int64(trimmed), seconds >= 0 { return seconds.multipliedReportingOverflow(by: 1000).partialValue }
    guard let date = parseIMFFixdate(trimmed) else { return nil }
    return max(0, date - nowEpochMillis)
}

/// Milliseconds since 1970 of an IMF-fixdate (RFC 9110 section 5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
func parseIMFFixdate(_ text: String) -> Int64? {
    let parts = text.split(separator: " ")
    guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    guard let monthIndex = months.firstIndex(of: String(parts[2])) else { return nil }
    let clock = parts[4].split(separator: ":")
    guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
        (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
    else { return nil }
    // Days from the civil date (Howard Hinnant's algorithm).
    let month = monthIndex + 1
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    let days = era * 146_097 + dayOfEra - 719_468
    return Int64(days) * 86_400_000 + Int64(hour * 3600 + minute * 60 + second) * 1000
}

extension String {
    fileprivate var trimmingSpaces: String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view.removeFirst() }
        while view.last == " " || view.last == "\t" { view.removeLast() }
        return String(view)
    }
}
