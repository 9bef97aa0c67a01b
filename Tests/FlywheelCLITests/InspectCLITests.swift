import FlywheelTesting
import Foundation
import Testing

/// inspect, report, export, generate and bench as a user runs them: exit codes, messages that say what is
/// wrong, where and what to do (never a Foundation or decoder dump), --version, pasteable help examples.
struct InspectCLITests {
    /// A model_quality record; `tokensIn` as written in the JSON.
    static func quality(tokensIn: String = "600", variant: String = "control") -> String {
        #"{"signal": "model_quality", "window_start": "2026-11-18T11:06:00.000Z", "#
            + #""window_end": "2026-11-18T11:07:00.000Z", "model": "atlas", "variant": "\#(variant)", "#
            + #""responses": 100, "feedback_up": 4, "feedback_down": 2, "regenerations": 1, "copies": 0, "errors": 1, "#
            + #""latency_ms_mean": 900.5, "latency_ms_p50": 800, "latency_ms_p95": 1500, "latency_ms_p99": 2000, "#
            + #""tokens_in": \#(tokensIn), "tokens_out": 3000}"#
    }

    static let longPrompt = String(repeating: "a prompt longer than any terminal ", count: 6)

    static func pair(_ prompt: String = "mail ana@example.com") -> String {
        #"{"signal": "preference_pair", "pair_id": "p1", "conversation_id": "c1", "source": "choice", "#
            + #""prompt": "\#(prompt)", "chosen": "yes", "rejected": "no", "chosen_model": "m1", "#
            + #""rejected_model": "m2", "timestamp": "2026-11-18T11:00:00.000Z"}"#
    }

    /// A folder with: mq.jsonl (Int64.max tokens in two windows), pairs.jsonl, a sub-folder `dir`.
    static func fixtures() throws -> TemporaryFolder {
        let folder = try TemporaryFolder("inspect-cli")
        let max = "9223372036854775807"
        _ = try folder.write(
            "mq.jsonl", [quality(tokensIn: max), quality(tokensIn: max)].joined(separator: "\n") + "\n")
        _ = try folder.write("pairs.jsonl", pair() + "\n")
        try FileManager.default.createDirectory(atPath: folder.file("dir"), withIntermediateDirectories: true)
        return folder
    }

    static let foundationDumps = ["NSCocoaErrorDomain", "DecodingError", "Error Domain", "NSError", "keyNotFound"]

    /// (arguments with {F} for the fixtures folder, exit code, a phrase of the message, extra environment).
    static let badInvocations: [([String], Int32, String, [String: String])] = [
        (["inspect", "{F}/missing.jsonl"], 1, "not found: {F}/missing.jsonl", [:]),
        (["inspect", "{F}/mq.jsonl", "--limit", "-5"], 64, "--limit -5: must be a positive number", [:]),
        (["inspect", "{F}/mq.jsonl", "--limit", "ten"], 64, "--limit ten: must be a positive number", [:]),
        (["inspect", "{F}/mq.jsonl", "--model", "atlsa"], 64, "--model atlsa: no model_quality", [:]),
        (["inspect", "{F}/mq.jsonl", "--model", "atlsa"], 64, "models present: atlas", [:]),
        (["inspect", "{F}/mq.jsonl", "--variant", "contrl"], 64, "variants present: control", [:]),
        (["inspect", "{F}/mq.jsonl", "--follow", "--format", "csv"], 64, "not as csv", [:]),
        (["report", "{F}/mq.jsonl", "-o", "{F}/dir"], 1, "cannot write {F}/dir: it is a folder", [:]),
        (["report", "{F}/mq.jsonl", "-o", "{F}/nowhere/r.html"], 1, "the folder {F}/nowhere does not exist", [:]),
        (["report", "{F}/mq.jsonl", "-o", "{F}/r.html", "--model", "x"], 64, "models present: atlas", [:]),
        (
            ["export", "--format", "trl-dpo", "{F}/pairs.jsonl", "-o", "{F}/t.jsonl", "--model", "m9"], 64,
            "--model m9: no preference_pair record in {F}/pairs.jsonl names it", [:]
        ),
        (
            ["export", "--format", "trl-dpo", "{F}/pairs.jsonl", "-o", "{F}/t.jsonl", "--min-chars", "-1"], 64,
            "--min-chars must be 0 or more, got -1", [:]
        ),
        (["export", "--format", "trl-dpo", "{F}/pairs.jsonl", "-o", "{F}/dir"], 1, "it is a folder", [:]),
        (["generate", "-o", "{F}/nowhere/x.jsonl"], 1, "cannot write '{F}/nowhere/x.jsonl': No such file", [:]),
        (["generate", "-o", "{F}/dir"], 1, "Is a directory", [:]),
        (["generate", "--conversations", "-5", "-o", "{F}/x.jsonl"], 64, "--conversations must be >= 0", [:]),
        (
            ["bench", "--events", "1000", "--python-baseline", "{F}/missing.py"], 64,
            "--python-baseline {F}/missing.py: no such file", [:]
        ),
        (
            ["bench", "--events", "1000", "--python-baseline", "{F}/pairs.jsonl"], 64,
            "needs python3, which is not on PATH", ["PATH": "/nonexistent"]
        ),
        (["bench", "--events", "-1"], 64, "--events must be at least 1000, got -1", [:]),
    ]

    @Test(arguments: badInvocations.indices)
    func badInvocationFailsSayingWhatIsWrong(index: Int) throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try Self.fixtures()
        defer { folder.remove() }
        let (arguments, status, phrase, environment) = Self.badInvocations[index]
        let fill = { (text: String) in text.replacingOccurrences(of: "{F}", with: folder.path) }
        let result = try FlywheelCLI.run(arguments.map(fill), environment: environment)
        #expect(result.status == status, "\(arguments): \(result)")
        #expect(result.stderr.contains(fill(phrase)), "\(arguments): \(result)")
        for dump in Self.foundationDumps { #expect(!result.output.contains(dump), "\(arguments): \(result)") }
        if arguments[0] == "bench" { #expect(result.stdout.isEmpty, "checked before the benchmark: \(result)") }
    }

    @Test(arguments: [["inspect"], ["inspect", "--format", "json"], ["inspect", "--format", "csv"], ["report"]])
    func recordsAtInt64MaxAreShownNotACrash(command: [String]) throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try Self.fixtures()
        defer { folder.remove() }
        var arguments = [command[0], folder.file("mq.jsonl")] + command.dropFirst()
        if command == ["report"] { arguments += ["-o", folder.file("r.html")] }
        let result = try FlywheelCLI.run(arguments)
        #expect(result.status == 0 && !result.signaled, "\(result)")
        if command.count > 1 && command[2] != "table" {
            #expect(result.stdout.contains("9223372036854775807"), "the sum held at Int64.max: \(result)")
        }
    }

    @Test func versionPrintsTheVersion() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let result = try FlywheelCLI.run(["--version"])
        #expect(result.status == 0)
        #expect(
            result.stdout.range(of: #"^flywheel \d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(result)")
    }
}
