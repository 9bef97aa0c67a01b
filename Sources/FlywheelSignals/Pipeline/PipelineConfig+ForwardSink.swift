import Yams

extension PipelineConfig {
    /// The keys of a forward sink, `kind` first (`kinds` and `linger` are every sink's).
    static let forwardKeys = [
        "kind", "url", "headers", "batch", "max_in_flight", "timeout", "rate", "max_pending", "retry", "breaker",
        "dlq", "ordered_by", "kinds", "linger",
    ]
    /// Keys accepted under a forward sink's `retry`.
    static let retryKeys = ["max_attempts", "backoff_base", "backoff_cap"]
    /// Keys accepted under a forward sink's `breaker`.
    static let breakerKeys = ["failures", "cooldown"]
    /// Keys accepted under a forward sink's `dlq` (exactly one of them).
    static let deadLetterKeys = ["topic", "folder"]

    /// A `kind: forward` sink from its fields other than `kind`, `kinds` and `linger`; absent keys keep the
    /// defaults of `ForwardSpec`. Header templates are checked, not resolved (no environment variable or
    /// file is read).
    static func forward(
        _ entry: YAMLEntry, _ fields: [YAMLEntry], reader: YAMLNodeReader
    ) throws(PipelineError) -> ForwardSpec {
        guard let urlField = fields.first(where: { $0.key == "url" }) else {
            let example = "{ kind: forward, url: http://127.0.0.1:9000/signals }"
            throw missing("url", example: example, in: entry, reader: reader)
        }
        var spec = ForwardSpec(url: try url(urlField, reader: reader))
        var maxPendingField: YAMLEntry?
        for field in fields {
            switch field.key {
            case "headers": spec.headers = try headers(field, reader: reader)
            case "batch": spec.batch = try wholeNumber(field, in: ForwardSpec.batchRange, reader: reader)
            case "max_in_flight":
                spec.maxInFlight = try wholeNumber(field, in: ForwardSpec.maxInFlightRange, reader: reader)
            case "timeout": spec.timeoutMs = try reader.positiveDuration(field)
            case "rate": spec.rate = try rate(field, reader: reader)
            case "max_pending":
                spec.maxPending = try wholeNumber(field, in: 1...Int.max, reader: reader)
                maxPendingField = field
            case "retry": spec.retry = try retry(field, reader: reader)
            case "breaker": spec.breaker = try breaker(field, reader: reader)
            case "dlq": spec.deadLetters = try deadLetters(field, reader: reader)
            case "ordered_by": spec.orderedBy = try reader.string(field)
            default: break  // url is read above; kindFields admits only forwardKeys
            }
        }
        if spec.maxPending < spec.batch, let field = maxPendingField {
            let message =
                "max_pending (\(spec.maxPending)) must be at least batch (\(spec.batch)): the sink must be able to "
                + "hold one full request"
            throw reader.failure(.badValue, message, node: field.value, key: field.path)
        }
        let defaultTopic = ForwardSpec.defaultDeadLetterTopic(sinkName: entry.key)
        if spec.deadLetters == nil, !isValidTopicName(defaultTopic) {
            let message =
                "the default dead-letter topic \"\(defaultTopic)\" is not a valid topic name (\(topicNameRule)): "
                + "rename the sink or write dlq: { topic: NAME } or dlq: { folder: PATH }"
            throw reader.failure(.badValue, message, node: entry.keyNode, key: entry.path)
        }
        return spec
    }

    private static func url(_ field: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> String {
        let url = try reader.string(field)
        if let problem = ForwardSpec.urlProblem(url) {
            throw reader.failure(.badValue, problem, node: field.value, key: field.path)
        }
        return url
    }

    /// `headers: { NAME: TEMPLATE, ... }` in file order; a null value is as if the key were absent.
    private static func headers(
        _ field: YAMLEntry, reader: YAMLNodeReader
    ) throws(PipelineError) -> [ForwardSpec.Header] {
        var headers: [ForwardSpec.Header] = []
        var lines: [String: Int] = [:]  // lowercased name -> line, to refuse names that differ only in case
        for entry in try reader.entries(of: field.value, path: field.path, allowed: nil) {
            if let problem = ForwardSpec.Header.nameProblem(entry.key) {
                throw reader.failure(.badValue, problem, node: entry.keyNode, key: entry.path)
            }
            if let line = lines[entry.key.lowercased()] {
                let message = "header \"\(entry.key)\" is already set on line \(line) (header names ignore case)"
                throw reader.failure(.badValue, message, node: entry.keyNode, key: entry.path)
            }
            lines[entry.key.lowercased()] = entry.keyNode.mark?.line ?? 0
            let template = try reader.string(entry)
            if let problem = ForwardSpec.Header.templateProblem(template) {
                throw reader.failure(.badValue, problem, node: entry.value, key: entry.path)
            }
            headers.append(ForwardSpec.Header(name: entry.key, template: template))
        }
        return headers
    }

    private static func rate(_ field: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> Double {
        let rate = try reader.number(field)
        guard rate > 0 else {
            let message =
                "must be requests per second greater than 0, e.g. 50 or 0.5, got \(ForwardSpec.formatRate(rate)) (remove rate for no limit)"
            throw reader.failure(.badValue, message, node: field.value, key: field.path)
        }
        return rate
    }

    /// `retry: { max_attempts, backoff_base, backoff_cap }`; a null value keeps the defaults.
    private static func retry(_ section: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> ForwardSpec.Retry {
        var retry = ForwardSpec.Retry()
        var culprit: YAMLEntry?
        for field in try reader.entries(of: section.value, path: section.path, allowed: retryKeys) {
            switch field.key {
            case "max_attempts":
                retry.maxAttempts = try wholeNumber(field, in: ForwardSpec.maxAttemptsRange, reader: reader)
            case "backoff_base":
                retry.baseMs = try reader.positiveDuration(field)
                culprit = culprit ?? field
            default:
                retry.capMs = try reader.positiveDuration(field)
                culprit = field
            }
        }
        if retry.capMs < retry.baseMs, let culprit {
            let message =
                "backoff_cap (\(formatDuration(retry.capMs))) must be at least backoff_base "
                + "(\(formatDuration(retry.baseMs)))"
            throw reader.failure(.badValue, message, node: culprit.value, key: culprit.path)
        }
        return retry
    }

    /// `breaker: { failures, cooldown }`; a null value keeps the defaults.
    private static func breaker(
        _ section: YAMLEntry, reader: YAMLNodeReader
    ) throws(PipelineError) -> ForwardSpec.Breaker {
        var breaker = ForwardSpec.Breaker()
        for field in try reader.entries(of: section.value, path: section.path, allowed: breakerKeys) {
            if field.key == "failures" {
                breaker.failures = try wholeNumber(field, in: ForwardSpec.breakerFailuresRange, reader: reader)
            } else {
                breaker.cooldownMs = try reader.positiveDuration(field)
            }
        }
        return breaker
    }

    /// `dlq: { topic: NAME }` or `dlq: { folder: PATH }`, exactly one; a null value is as if the key were absent.
    private static func deadLetters(
        _ section: YAMLEntry, reader: YAMLNodeReader
    ) throws(PipelineError) -> ForwardSpec.DeadLetters? {
        if reader.isNull(section.value) { return nil }
        let fields = try reader.entries(of: section.value, path: section.path, allowed: deadLetterKeys)
        let oneOf = "write either topic: NAME (an embedded-log topic in the data folder) or folder: PATH (JSONL files)"
        guard fields.count == 1, let field = fields.first else {
            let culprit = fields.last.map { ($0.keyNode, $0.path) } ?? (section.value, section.path)
            let message = (fields.isEmpty ? "no dead-letter target: " : "topic and folder together: ") + oneOf
            throw reader.failure(.badValue, message, node: culprit.0, key: culprit.1)
        }
        if field.key == "topic" { return .topic(try topicName(field, reader: reader)) }
        return .folder(try reader.string(field))
    }

    /// A whole number in `range`.
    private static func wholeNumber(
        _ field: YAMLEntry, in range: ClosedRange<Int>, reader: YAMLNodeReader
    ) throws(PipelineError) -> Int {
        let value = try reader.integer(field)
        guard range.contains(value) else {
            let bounds =
                range.upperBound == Int.max
                ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw reader.failure(
                .badValue, "must be a whole number \(bounds), got \(value)", node: field.value, key: field.path)
        }
        return value
    }
}
