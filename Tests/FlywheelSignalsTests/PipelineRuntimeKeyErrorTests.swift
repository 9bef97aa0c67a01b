import Testing

@testable import FlywheelSignals

/// Bad `sources`, `sinks`, `checkpoint` and `time.idle_advance`: each error names its code, line and key path,
/// and says what would be right.
struct PipelineRuntimeKeyErrorTests {
    /// One bad pipeline, the error it must give, and a phrase of the message.
    struct Row: Sendable, CustomTestStringConvertible {
        let lines: [String]
        let code: PipelineError.Code
        let line: Int
        let key: String
        let phrase: String

        init(_ lines: [String], _ code: PipelineError.Code, line: Int, key: String, _ phrase: String) {
            self.lines = lines
            self.code = code
            self.line = line
            self.key = key
            self.phrase = phrase
        }

        var testDescription: String { "\(key) at \(line): \(lines.joined(separator: " / "))" }
    }

    static let sources: [Row] = [
        .init(["sources: {}"], .badValue, line: 1, key: "sources", "declare at least one source or remove the key"),
        .init(["sources: []"], .badType, line: 1, key: "sources", "expected a mapping, got a list"),
        .init(
            ["sources:", "  e: { topic: events }"], .badValue, line: 2, key: "sources.e",
            "add kind: topic, kind: file or kind: kafka"),
        .init(["sources:", "  e:"], .badValue, line: 2, key: "sources.e", "missing kind"),
        .init(["sources:", "  e: events"], .badType, line: 2, key: "sources.e", "expected a mapping"),
        .init(
            ["sources:", "  e: { kind: http, topic: t }"], .badValue, line: 2, key: "sources.e.kind",
            "unknown source kind \"http\"; valid kinds: topic, file, kafka"),
        .init(
            ["sources:", "  e:", "    kind: topic", "    topic: t", "    follow: true"], .unknownKey, line: 5,
            key: "sources.e.follow", "\"follow\" does not apply to a topic source; valid keys here: kind, topic, start"),
        .init(
            ["sources:", "  f: { kind: file, path: a, start: latest }"], .unknownKey, line: 2, key: "sources.f.start",
            "valid keys here: kind, path, follow"),
        .init(
            ["sources:", "  f: { kind: file, path: a, folow: true }"], .unknownKey, line: 2, key: "sources.f.folow",
            "unknown key \"folow\"; valid keys here: kind, path, follow"),
        .init(["sources:", "  e: { kind: topic }"], .badValue, line: 2, key: "sources.e", "missing topic"),
        .init(["sources:", "  f: { kind: file, follow: true }"], .badValue, line: 2, key: "sources.f", "missing path"),
        .init(
            ["sources:", "  f: { kind: file, path: \"\" }"], .badValue, line: 2, key: "sources.f.path",
            "must not be empty"),
        .init(
            ["sources:", "  f: { kind: file, path: a, follow: yes }"], .badValue, line: 2, key: "sources.f.follow",
            "must be true or false"),
        .init(
            ["sources:", "  e: { kind: topic, topic: t, start: beginning }"], .badValue, line: 2,
            key: "sources.e.start", "must be earliest or latest, got \"beginning\""),
        .init(
            ["sources:", "  e: { kind: topic, topic: \"a b\" }"], .badValue, line: 2, key: "sources.e.topic",
            "bad topic name \"a b\": use 1 to 200 of A-Z a-z 0-9 . _ -"),
        .init(
            ["sources:", "  e: { kind: topic, topic: .hidden }"], .badValue, line: 2, key: "sources.e.topic",
            "do not start with a dot"),
        .init(
            ["sources:", "  e: { kind: topic, topic: \(String(repeating: "t", count: 201)) }"], .badValue, line: 2,
            key: "sources.e.topic", "bad topic name"),
        .init(["sources:", "  \"\": { kind: stdout }"], .badValue, line: 2, key: "sources.", "must not be empty"),
        .init(
            ["sources:", "  ok: { kind: topic, topic: t }", "  a/b: { kind: topic, topic: t }"], .badValue, line: 3,
            key: "sources.a/b", "bad source name \"a/b\": use a name without /, whitespace"),
        .init(
            ["sources:", "  \"a b\": { kind: topic, topic: t }"], .badValue, line: 2, key: "sources.a b", "whitespace"),
        .init(
            ["sources:", "  \"a\\tb\": { kind: topic, topic: t }"], .badValue, line: 2, key: "sources.a\tb",
            "whitespace"),
        .init(
            ["sources:", "  ..: { kind: topic, topic: t }"], .badValue, line: 2, key: "sources...",
            "other than . and .."),
        .init(
            ["sources:", "  e: { kind: topic, topic: t }", "  e: { kind: topic, topic: u }"], .yamlSyntax, line: 2,
            key: "", "duplicate key \"e\""),
    ]

    static let sinks: [Row] = [
        .init(
            ["sinks:", "# none yet", "  {}"], .badValue, line: 3, key: "sinks",
            "declare at least one sink or remove the key"),
        .init(
            ["sinks:", "  s: { linger: 1s }"], .badValue, line: 2, key: "sinks.s",
            "add kind: folder, kind: topic, kind: stdout, kind: forward or kind: kafka"),
        .init(
            ["sinks:", "  s: { kind: http }"], .badValue, line: 2, key: "sinks.s.kind",
            "valid kinds: folder, topic, stdout, forward, kafka"),
        .init(
            ["sinks:", "  s: { kind: stdout, path: x }"], .unknownKey, line: 2, key: "sinks.s.path",
            "\"path\" does not apply to a stdout sink; valid keys here: kind, kinds, linger"),
        .init(
            ["sinks:", "  s: { kind: topic, topic: t, roll_age: 1m }"], .unknownKey, line: 2, key: "sinks.s.roll_age",
            "does not apply to a topic sink"),
        .init(["sinks:", "  d: { kind: folder }"], .badValue, line: 2, key: "sinks.d", "missing path"),
        .init(
            ["sinks:", "  d:", "    kind: folder", "    path: out", "    roll_bytes: 1023B"], .badValue, line: 5,
            key: "sinks.d.roll_bytes", "must be at least 1KiB, got 1023B"),
        .init(
            ["sinks:", "  d: { kind: folder, path: out, roll_bytes: 100 }"], .badValue, line: 2,
            key: "sinks.d.roll_bytes", "at least 1KiB"),
        .init(
            ["sinks:", "  d: { kind: folder, path: out, roll_bytes: 1MB }"], .badSize, line: 2,
            key: "sinks.d.roll_bytes", "B, KiB, MiB or GiB"),
        .init(
            ["sinks:", "  d: { kind: folder, path: out, roll_bytes: -5 }"], .badSize, line: 2,
            key: "sinks.d.roll_bytes", "bad size \"-5\""),
        .init(
            ["sinks:", "  d: { kind: folder, path: out, roll_bytes: 99999999999999999999 }"], .badSize, line: 2,
            key: "sinks.d.roll_bytes", "too large"),
        .init(
            ["sinks:", "  d: { kind: folder, path: out, roll_age: 0s }"], .badValue, line: 2, key: "sinks.d.roll_age",
            "must be greater than 0s"),
        .init(
            ["sinks:", "  d: { kind: folder, path: out, roll_age: 1 hour }"], .badDuration, line: 2,
            key: "sinks.d.roll_age", "bad duration"),
        .init(
            ["sinks:", "  o: { kind: stdout, linger: 0 }"], .badValue, line: 2, key: "sinks.o.linger", "greater than 0s"
        ),
        .init(
            ["sinks:", "  t: { kind: topic }"], .badValue, line: 2, key: "sinks.t", "missing topic: write either topic"),
        .init(
            ["sinks:", "  t:", "    kind: topic", "    topic: a", "    prefix: b."], .badValue, line: 5,
            key: "sinks.t.prefix",
            "topic and prefix together: write either topic: NAME (one topic for every kind) or prefix: TEXT"),
        .init(
            ["sinks:", "  t: { kind: topic, topic: \"a/b\" }"], .badValue, line: 2, key: "sinks.t.topic",
            "bad topic name \"a/b\""),
        .init(
            ["sinks:", "  t: { kind: topic, prefix: \"signals:\" }"], .badValue, line: 2, key: "sinks.t.prefix",
            "prefix \"signals:\" gives the bad topic name \"signals:model_quality\""),
        .init(
            ["sinks:", "  t: { kind: topic, prefix: \(String(repeating: "p", count: 188)), kinds: [model_quality] }"],
            .badValue, line: 2, key: "sinks.t.prefix", "gives the bad topic name"),
        .init(
            ["sinks:", "  o: { kind: stdout, kinds: [] }"], .badValue, line: 2, key: "sinks.o.kinds",
            "name at least one kind, or remove kinds to take every kind"),
        .init(
            ["sinks:", "  o: { kind: stdout, kinds: dead_letter }"], .badType, line: 2, key: "sinks.o.kinds",
            "expected a list of record kinds"),
        .init(
            ["sinks:", "  o:", "    kind: stdout", "    kinds:", "      - dead_letter", "      - alerts"], .badValue,
            line: 6, key: "sinks.o.kinds[1]",
            "unknown record kind \"alerts\"; valid kinds: model_quality, preference_pair, conversation_summary, "
                + "sft_example, quality_alert, dead_letter, late_event"),
        .init(
            ["sinks:", "  o: { kind: stdout, kinds: [late_event, dead_letter, late_event] }"], .badValue, line: 2,
            key: "sinks.o.kinds[2]", "\"late_event\" is listed twice; list each kind once"),
        .init(
            ["sinks:", "  o: { kind: stdout, kinds: [\"\"] }"], .badValue, line: 2, key: "sinks.o.kinds[0]",
            "must not be empty"),
        .init(
            ["sinks:", "  \"o 1\": { kind: stdout }"], .badValue, line: 2, key: "sinks.o 1", "bad sink name \"o 1\""),
        .init(
            ["sources:", "  x: { kind: topic, topic: t }", "sinks:", "  y: { kind: stdout }", "  x: { kind: stdout }"],
            .badValue, line: 5, key: "sinks.x", "\"x\" already names the source on line 2"),
    ]

    static let others: [Row] = [
        .init(["checkpoint: { interval: 0s }"], .badValue, line: 1, key: "checkpoint.interval", "greater than 0s"),
        .init(
            ["checkpoint:", "  every: 10s"], .unknownKey, line: 2, key: "checkpoint.every", "valid keys here: interval"),
        .init(["checkpoint: 10s"], .badType, line: 1, key: "checkpoint", "expected a mapping"),
        .init(["checkpoint: { interval: 10 }"], .badDuration, line: 1, key: "checkpoint.interval", "bad duration"),
        .init(
            ["time:", "  idle_advance: off"], .badValue, line: 2, key: "time.idle_advance",
            "must be wall_clock (W follows the wall clock while every source is idle) or none, got \"off\""),
        .init(
            ["time:", "  idle_advance:"], .badValue, line: 2, key: "time.idle_advance", "expected wall_clock or none"),
    ]

    @Test(arguments: sources + sinks + others)
    func badKeyNamesCodeLinePathAndRemedy(row: Row) throws {
        let error = try #require(throws: PipelineError.self) {
            try PipelineConfig.parse(yaml: row.lines.joined(separator: "\n"), path: "live.yaml")
        }
        #expect(error.code == row.code, "\(error)")
        #expect(error.line == row.line, "\(error)")
        #expect(error.key == (row.key.isEmpty ? nil : row.key), "\(error)")
        #expect(error.message.contains(row.phrase), "\(error)")
        #expect(error.file == "live.yaml")
    }
}
