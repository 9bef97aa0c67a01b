import Foundation

extension ForwardSpec {
    /// Allowed `batch` (records per request).
    public static let batchRange = 1...10_000
    /// Allowed `max_in_flight` (requests at once).
    public static let maxInFlightRange = 1...256
    /// Allowed `retry.max_attempts` (attempts in all, the first included).
    public static let maxAttemptsRange = 1...100
    /// Allowed `breaker.failures` (failed attempts in a row that open the breaker).
    public static let breakerFailuresRange = 1...1_000

    /// What a valid `url` looks like, for error messages.
    public static let urlRule = "must be an http:// or https:// URL with a host, e.g. http://127.0.0.1:9000/signals"

    /// Why `url` cannot be a destination, or nil when it can: an `http` or `https` URL with a host, a port in
    /// 1...65535 when one is written, and no user or password (credentials belong in `headers`, which are
    /// never logged; a URL is).
    public static func urlProblem(_ url: String) -> String? {
        guard let parts = URLComponents(string: url) else { return "\"\(url)\" \(urlRule)" }
        if parts.user != nil || parts.password != nil {  // checked first: the message must not quote them
            return "credentials in the URL would be logged: remove them and send them in headers, e.g. "
                + "Authorization: \"Bearer ${env:TOKEN}\""
        }
        guard let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parts.host, !host.isEmpty
        else { return "\"\(url)\" \(urlRule)" }
        if let port = parts.port, !(1...65_535).contains(port) {
            return "port \(port) of \"\(url)\" is out of range: use 1 to 65535"
        }
        return nil
    }

    /// The dead-letter topic a forward sink named `sinkName` uses when `dlq` is not written: `<name>.dlq`.
    public static func defaultDeadLetterTopic(sinkName: String) -> String { sinkName + ".dlq" }

    /// Where the records this sink cannot deliver go: `deadLetters`, or the topic
    /// `defaultDeadLetterTopic(sinkName:)` when it is nil.
    public func deadLetterTarget(sinkName: String) -> DeadLetters {
        deadLetters ?? .topic(Self.defaultDeadLetterTopic(sinkName: sinkName))
    }

    /// A rate as the pipeline file writes it: `50` for a whole number, else Swift's shortest exact form (`0.5`).
    public static func formatRate(_ rate: Double) -> String {
        rate == rate.rounded() && abs(rate) < 1e15 ? "\(Int(rate))" : "\(rate)"
    }

    /// One line for people (`flywheel validate-pipeline`), every setting in words. Headers show their names
    /// and placeholders only: literal text in a template may be a token written in the clear.
    public func summary(sinkName: String) -> String {
        var parts = [
            "forward to \"\(url)\"", batch == 1 ? "1 record per request" : "\(batch) records per request",
            "\(maxInFlight) in flight",
            "timeout \(formatDuration(timeoutMs))",
        ]
        if let rate { parts.append("at most \(Self.formatRate(rate)) requests/s") }
        parts += [
            "up to \(maxPending) records pending",
            "up to \(retry.maxAttempts) attempts (back-off \(formatDuration(retry.baseMs)) to "
                + "\(formatDuration(retry.capMs)))",
            "breaker opens after \(breaker.failures) failures (cooldown \(formatDuration(breaker.cooldownMs)))",
        ]
        switch deadLetterTarget(sinkName: sinkName) {
        case .topic(let name): parts.append("dead letters to topic \"\(name)\"")
        case .folder(let path): parts.append("dead letters to folder \"\(path)\"")
        }
        if let orderedBy { parts.append("ordered by \(orderedBy)") }
        if !headers.isEmpty {
            let described = headers.map { header in
                let placeholders = header.placeholders
                return header.name + (placeholders.isEmpty ? "" : " (\(placeholders.joined(separator: ", ")))")
            }
            parts.append("headers [" + described.joined(separator: ", ") + "]")
        }
        return parts.joined(separator: ", ")
    }
}
