import Testing

@testable import FlywheelSignals

/// Bad `kind: forward` sinks: each error names its code, line and key path, and says what would be right.
struct PipelineForwardSinkErrorTests {
    typealias Row = PipelineRuntimeKeyErrorTests.Row

    /// `sinks:` with one forward sink `f` whose mapping (after `kind` and `url`) is `fields`, on line 2.
    private static func flow(_ fields: String, url: String = "http://h/x") -> [String] {
        ["sinks:", "  f: { kind: forward, url: \(url)\(fields.isEmpty ? "" : ", " + fields) }"]
    }

    static let target: [Row] = [
        .init(
            ["sinks:", "  f: { kind: forward }"], .badValue, line: 2, key: "sinks.f",
            "missing url: write e.g. { kind: forward, url: http://127.0.0.1:9000/signals }"),
        .init(
            flow("", url: "ftp://h/x"), .badValue, line: 2, key: "sinks.f.url",
            "\"ftp://h/x\" must be an http:// or https:// URL with a host, e.g. http://127.0.0.1:9000/signals"),
        .init(flow("", url: "\"http://\""), .badValue, line: 2, key: "sinks.f.url", "with a host"),
        .init(flow("", url: "/signals"), .badValue, line: 2, key: "sinks.f.url", "must be an http:// or https://"),
        .init(flow("", url: "\"http://exa mple/\""), .badValue, line: 2, key: "sinks.f.url", "with a host"),
        .init(flow("", url: "\"\""), .badValue, line: 2, key: "sinks.f.url", "must not be empty"),
        .init(flow("", url: "[a]"), .badType, line: 2, key: "sinks.f.url", "expected a text"),
        .init(
            flow("", url: "\"http://user:hunter2@h/x\""), .badValue, line: 2, key: "sinks.f.url",
            "credentials in the URL would be logged: remove them and send them in headers"),
        .init(
            ["sinks:", "  f:", "    kind: forward", "    url: http://h/", "    path: out"], .unknownKey, line: 5,
            key: "sinks.f.path", "\"path\" does not apply to a forward sink; valid keys here: kind, url, headers"),
        .init(flow("retries: 3"), .unknownKey, line: 2, key: "sinks.f.retries", "unknown key \"retries\""),
        .init(
            ["sinks:", "  café: { kind: forward, url: http://h/ }"], .badValue, line: 2, key: "sinks.café",
            "the default dead-letter topic \"café.dlq\" is not a valid topic name"),
    ]

    static let headers: [Row] = [
        .init(flow("headers: [a]"), .badType, line: 2, key: "sinks.f.headers", "expected a mapping, got a list"),
        .init(
            flow("headers: { \"X Team\": a }"), .badValue, line: 2, key: "sinks.f.headers.X Team",
            "bad header name \"X Team\": use letters, digits and"),
        .init(flow("headers: { \"X:Y\": a }"), .badValue, line: 2, key: "sinks.f.headers.X:Y", "bad header name"),
        .init(
            flow("headers: { idempotency-key: a }"), .badValue, line: 2, key: "sinks.f.headers.idempotency-key",
            "Idempotency-Key is set by the forward sink itself; remove this header"),
        .init(flow("headers: { Host: a }"), .badValue, line: 2, key: "sinks.f.headers.Host", "Host is set by"),
        .init(
            flow("headers: { CONTENT-TYPE: a }"), .badValue, line: 2, key: "sinks.f.headers.CONTENT-TYPE",
            "Content-Type is set by"),
        .init(
            flow("headers: { Content-Length: a }"), .badValue, line: 2, key: "sinks.f.headers.Content-Length",
            "Content-Length is set by"),
        .init(
            [
                "sinks:", "  f:", "    kind: forward", "    url: http://h/", "    headers:", "      Authorization: a",
                "      authorization: b",
            ], .badValue, line: 7, key: "sinks.f.headers.authorization",
            "header \"authorization\" is already set on line 6 (header names ignore case)"),
        .init(
            flow("headers: { Authorization: \"Bearer ${env:TOKEN\" }"), .badValue, line: 2,
            key: "sinks.f.headers.Authorization",
            "unclosed \"${\" (no \"}\" after it): write ${env:NAME} or ${file:PATH}"),
        .init(
            flow("headers: { A: \"${vault:x}\" }"), .badValue, line: 2, key: "sinks.f.headers.A",
            "unknown placeholder kind \"vault\" in \"${vault:x}\""),
        .init(
            flow("headers: { A: \"${ENV:x}\" }"), .badValue, line: 2, key: "sinks.f.headers.A",
            "unknown placeholder kind \"ENV\""),
        .init(
            flow("headers: { A: \"x ${env:} y\" }"), .badValue, line: 2, key: "sinks.f.headers.A",
            "placeholder \"${env:}\" has an empty name: give an environment variable"),
        .init(
            flow("headers: { A: \"${file:}\" }"), .badValue, line: 2, key: "sinks.f.headers.A",
            "has an empty name: give a file path"),
        .init(
            flow("headers: { A: \"${TOKEN}\" }"), .badValue, line: 2, key: "sinks.f.headers.A",
            "placeholder \"${TOKEN}\" names no kind"),
        .init(flow("headers: { A: \"${}\" }"), .badValue, line: 2, key: "sinks.f.headers.A", "names no kind"),
        .init(
            flow("headers: { A: \"${env:1ABC}\" }"), .badValue, line: 2, key: "sinks.f.headers.A",
            "bad environment variable name in \"${env:1ABC}\""),
        .init(
            flow("headers: { A: \"${env:A-B}\" }"), .badValue, line: 2, key: "sinks.f.headers.A",
            "letters, digits and _"),
        .init(flow("headers: { A: \"\" }"), .badValue, line: 2, key: "sinks.f.headers.A", "must not be empty"),
        .init(flow("headers: { A: }"), .badValue, line: 2, key: "sinks.f.headers.A", "missing value: expected a text"),
        .init(flow("headers: { A: { b: c } }"), .badType, line: 2, key: "sinks.f.headers.A", "expected a text"),
        .init(
            flow("headers: { A: \"a\\r\\nX-Evil: 1\" }"), .badValue, line: 2, key: "sinks.f.headers.A",
            "a header value must be one line without control characters"),
        .init(flow("headers: { A: \"a\\u0000\" }"), .badValue, line: 2, key: "sinks.f.headers.A", "one line"),
    ]

    static let numbers: [Row] = [
        .init(
            flow("batch: 0"), .badValue, line: 2, key: "sinks.f.batch", "must be a whole number from 1 to 10000, got 0"),
        .init(flow("batch: 10001"), .badValue, line: 2, key: "sinks.f.batch", "from 1 to 10000, got 10001"),
        .init(flow("batch: \"5\""), .badValue, line: 2, key: "sinks.f.batch", "expected a whole number"),
        .init(flow("batch: 1.5"), .badValue, line: 2, key: "sinks.f.batch", "expected a whole number, got \"1.5\""),
        .init(flow("max_in_flight: 257"), .badValue, line: 2, key: "sinks.f.max_in_flight", "from 1 to 256, got 257"),
        .init(flow("max_in_flight: 0"), .badValue, line: 2, key: "sinks.f.max_in_flight", "from 1 to 256"),
        .init(flow("timeout: 0s"), .badValue, line: 2, key: "sinks.f.timeout", "must be greater than 0s"),
        .init(flow("timeout: 10"), .badDuration, line: 2, key: "sinks.f.timeout", "bad duration \"10\""),
        .init(
            flow("rate: 0"), .badValue, line: 2, key: "sinks.f.rate",
            "must be requests per second greater than 0, e.g. 50 or 0.5, got 0 (remove rate for no limit)"),
        .init(flow("rate: -2"), .badValue, line: 2, key: "sinks.f.rate", "greater than 0"),
        .init(flow("rate: fast"), .badValue, line: 2, key: "sinks.f.rate", "expected a number, got \"fast\""),
        .init(flow("rate: inf"), .badValue, line: 2, key: "sinks.f.rate", "expected a number"),
        .init(flow("rate: \"5\""), .badValue, line: 2, key: "sinks.f.rate", "expected a number"),
        .init(
            flow("max_pending: 100"), .badValue, line: 2, key: "sinks.f.max_pending",
            "max_pending (100) must be at least batch (500): the sink must be able to hold one full request"),
        .init(
            flow("max_pending: 0"), .badValue, line: 2, key: "sinks.f.max_pending", "must be a whole number at least 1"),
        .init(
            ["sinks:", "  f:", "    kind: forward", "    url: http://h/", "    max_pending: 599", "    batch: 600"],
            .badValue, line: 5, key: "sinks.f.max_pending", "max_pending (599) must be at least batch (600)"),
        .init(flow("ordered_by: \"\""), .badValue, line: 2, key: "sinks.f.ordered_by", "must not be empty"),
        .init(flow("ordered_by: [a, b]"), .badType, line: 2, key: "sinks.f.ordered_by", "expected a text, got a list"),
    ]

    static let sections: [Row] = [
        .init(
            flow("retry: { max_attempts: 0 }"), .badValue, line: 2, key: "sinks.f.retry.max_attempts",
            "must be a whole number from 1 to 100, got 0"),
        .init(flow("retry: { max_attempts: 101 }"), .badValue, line: 2, key: "sinks.f.retry.max_attempts", "got 101"),
        .init(
            [
                "sinks:", "  f:", "    kind: forward", "    url: http://h/", "    retry:", "      backoff_cap: 500ms",
                "      backoff_base: 1s",
            ], .badValue, line: 6, key: "sinks.f.retry.backoff_cap",
            "backoff_cap (500ms) must be at least backoff_base (1s)"),
        .init(
            ["sinks:", "  f:", "    kind: forward", "    url: http://h/", "    retry:", "      backoff_base: 1m"],
            .badValue, line: 6, key: "sinks.f.retry.backoff_base",
            "backoff_cap (30s) must be at least backoff_base (1m)"),
        .init(
            flow("retry: { backoff_base: 0ms }"), .badValue, line: 2, key: "sinks.f.retry.backoff_base",
            "greater than 0s"),
        .init(
            flow("retry: { backoff_cap: 1 minute }"), .badDuration, line: 2, key: "sinks.f.retry.backoff_cap",
            "bad duration"),
        .init(
            flow("retry: { tries: 3 }"), .unknownKey, line: 2, key: "sinks.f.retry.tries",
            "unknown key \"tries\"; valid keys here: max_attempts, backoff_base, backoff_cap"),
        .init(flow("retry: 3"), .badType, line: 2, key: "sinks.f.retry", "expected a mapping, got \"3\""),
        .init(
            flow("breaker: { failures: 0 }"), .badValue, line: 2, key: "sinks.f.breaker.failures",
            "must be a whole number from 1 to 1000, got 0"),
        .init(flow("breaker: { failures: 1001 }"), .badValue, line: 2, key: "sinks.f.breaker.failures", "got 1001"),
        .init(
            flow("breaker: { cooldown: 0s }"), .badValue, line: 2, key: "sinks.f.breaker.cooldown", "greater than 0s"),
        .init(
            flow("breaker: { open_after: 3 }"), .unknownKey, line: 2, key: "sinks.f.breaker.open_after",
            "valid keys here: failures, cooldown"),
        .init(
            flow("dlq: {}"), .badValue, line: 2, key: "sinks.f.dlq",
            "no dead-letter target: write either topic: NAME (an embedded-log topic in the data folder) or folder: "
                + "PATH (JSONL files)"),
        .init(
            [
                "sinks:", "  f:", "    kind: forward", "    url: http://h/", "    dlq:", "      topic: a",
                "      folder: b",
            ],
            .badValue, line: 7, key: "sinks.f.dlq.folder", "topic and folder together: write either topic: NAME"),
        .init(flow("dlq: { topic: \"a/b\" }"), .badValue, line: 2, key: "sinks.f.dlq.topic", "bad topic name \"a/b\""),
        .init(flow("dlq: { topic: .hidden }"), .badValue, line: 2, key: "sinks.f.dlq.topic", "do not start with a dot"),
        .init(
            flow("dlq: { path: x }"), .unknownKey, line: 2, key: "sinks.f.dlq.path",
            "unknown key \"path\"; valid keys here: topic, folder"),
        .init(flow("dlq: { folder: \"\" }"), .badValue, line: 2, key: "sinks.f.dlq.folder", "must not be empty"),
        .init(flow("dlq: dead"), .badType, line: 2, key: "sinks.f.dlq", "expected a mapping"),
    ]

    @Test(arguments: target + headers + numbers + sections)
    func badForwardSinkNamesCodeLinePathAndRemedy(row: Row) throws {
        let error = try #require(throws: PipelineError.self) {
            try PipelineConfig.parse(yaml: row.lines.joined(separator: "\n"), path: "live.yaml")
        }
        #expect(error.code == row.code, "\(error)")
        #expect(error.line == row.line, "\(error)")
        #expect(error.key == row.key, "\(error)")
        #expect(error.message.contains(row.phrase), "\(error)")
    }

    @Test func urlCredentialsAndHeaderTextStayOutOfErrors() throws {
        let url = try #require(throws: PipelineError.self) {
            try PipelineConfig.parse(
                yaml: Self.flow("", url: "\"https://bob:hunter2@h/x\"").joined(separator: "\n"), path: nil)
        }
        #expect(!url.description.contains("hunter2"))
        let header = try #require(throws: PipelineError.self) {
            let yaml = Self.flow("headers: { A: \"Bearer s3cr3t ${vault:x}\" }").joined(separator: "\n")
            return try PipelineConfig.parse(yaml: yaml, path: nil)
        }
        #expect(!header.description.contains("s3cr3t"))
    }
}
