/// What a `flywheel loadgen` run measured.
public struct LoadReport: Sendable {
    public var options: LoadOptions
    /// Seconds from the first request to the last answer.
    public var seconds: Double
    public var requestsSent = 0
    /// Requests answered 200 (each counted once however many attempts it took).
    public var requestsAcknowledged = 0
    /// Events in acknowledged requests, and how many the answers counted as accepted and rejected.
    public var eventsAcknowledged = 0
    public var accepted = 0
    public var rejected = 0
    /// Requests still unacknowledged when their retries ran out.
    public var requestsGivenUp = 0
    /// Attempts that failed, by HTTP status or "connection" / "timeout".
    public var errors: [String: Int] = [:]
    /// Attempts that were retried.
    public var retries = 0
    /// Answer latency of every acknowledged attempt (send to whole answer), nanoseconds, sorted.
    public var latencies: [UInt64] = []
    /// Requests sent later than the schedule said, by more than 10 ms (the service or the client was behind).
    public var behindSchedule = 0
    /// Preference pairs seen in the topic, and the ingest-to-pair delays measured (nanoseconds, sorted); nil
    /// without a data folder.
    public var pairs: (seen: Int, delays: [UInt64])?

    /// Acknowledged events per second of the run.
    public var eventsPerSecond: Double { seconds > 0 ? Double(eventsAcknowledged) / seconds : 0 }

    /// Nearest-rank percentile (`fraction` in 0...1) of sorted nanoseconds, in milliseconds.
    public static func percentileMs(_ sorted: [UInt64], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return Double(sorted[min(sorted.count - 1, max(0, rank - 1))]) / 1e6
    }

    public var text: String {
        let header =
            "loadgen: \(format(seconds, 2)) s, target \(options.rate) events/s, batch \(options.batch), "
            + "\(options.connections) connections"
        let gaveUp = requestsGivenUp > 0 ? ", \(requestsGivenUp) given up" : ""
        let requests =
            "requests  \(requestsAcknowledged) acknowledged of \(requestsSent) sent\(gaveUp), \(retries) retries, "
            + "\(behindSchedule) sent behind schedule"
        let rate = Int(eventsPerSecond.rounded())
        let events =
            "events    \(eventsAcknowledged) acknowledged (\(accepted) accepted, \(rejected) rejected): "
            + "\(rate) events/s sustained"
        let failures: [String] = errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        let errorText = failures.isEmpty ? "none" : failures.joined(separator: ", ")
        var lines: [String] = [
            header, requests, events, "ack       " + latencyLine(latencies), "errors    " + errorText,
        ]
        if let pairs {
            let measured = "\(pairs.delays.count) measured"
            lines.append(
                "pairs     \(pairs.seen) preference pairs appeared; ingest to pair (\(measured)): "
                    + latencyLine(pairs.delays))
        } else {
            lines.append("pairs     not watched (give --data DIR, the service's data folder)")
        }
        return lines.joined(separator: "\n")
    }

    private func latencyLine(_ sorted: [UInt64]) -> String {
        guard let p50 = Self.percentileMs(sorted, 0.5), let p99 = Self.percentileMs(sorted, 0.99),
            let max = sorted.last
        else { return "no samples" }
        return "p50 \(format(p50, 2)) ms  p99 \(format(p99, 2)) ms  max \(format(Double(max) / 1e6, 2)) ms"
    }

    private func format(_ value: Double, _ digits: Int) -> String {
        let scale = [1.0, 10, 100, 1000][min(digits, 3)]
        let rounded = (value * scale).rounded() / scale
        return digits == 0 ? String(Int(rounded)) : String(rounded)
    }
}
