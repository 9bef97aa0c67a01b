import FlywheelTesting
import Foundation
import Testing

/// Bad invocations of every command, as a new user types them: each exits with the documented code
/// (1 input/output, 2 bad pipeline file, 64 bad flag), says what is wrong in words a user can act on,
/// and never shows Foundation's or a decoder's internals.
@Suite(.serialized)
struct BadInvocationTests {
    struct Row: Sendable, CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let phrase: String
        var description: String { arguments.joined(separator: " ") }

        init(_ arguments: String, _ status: Int32, _ phrase: String) {
            self.arguments = arguments.split(separator: " ").map(String.init)
            self.status = status
            self.phrase = phrase
        }
    }

    /// Internals that must never reach a user.
    static let internals = [
        "NSCocoaErrorDomain", "DecodingError", "CocoaError", "Error Domain=", "keyNotFound", "typeMismatch",
        "Fatal error", "Swift/", "NSPOSIXErrorDomain", "dataCorrupted", "UserInfo=",
    ]

    static let rows: [Row] = [
        Row("nonsense", 64, "Unexpected argument"),
        Row("replay", 64, "Missing expected argument"),
        Row("replay missing.jsonl --out fresh", 1, "missing.jsonl"),
        Row("replay empty-dir --out fresh", 1, "directory"),
        Row("replay log.jsonl --out fresh --parallelism 0", 64, "--parallelism"),
        Row("replay log.jsonl --out fresh --batch-size 0", 64, "--batch-size"),
        Row("replay log.jsonl --out fresh --checkpoint-interval 5parsecs", 64, "--checkpoint-interval"),
        Row("replay log.jsonl --out fresh --pipeline nope.yaml", 2, "nope.yaml"),
        Row("replay log.jsonl --out fresh --pipeline bad.yaml", 2, "bad.yaml:2"),
        Row("replay topic:events --out fresh", 64, "--data"),
        Row("replay log.jsonl --out out", 1, "--force"),
        Row("replay out/dead_letter.jsonl --out out --force", 1, "dead_letter.jsonl"),
        Row("validate-pipeline nope.yaml", 2, "not found"),
        Row("validate-pipeline bad.yaml", 2, "time.dedup_ttl"),
        Row("generate", 64, "--out"),
        Row("export --format nope out -o x.jsonl", 64, "openai-dpo"),
        Row("export --format trl-dpo missing -o x.jsonl", 1, "missing"),
        Row("export --format trl-dpo out -o x.jsonl --model typo", 64, "typo"),
        Row("inspect missing", 1, "missing"),
        Row("inspect out --model typo", 64, "typo"),
        Row("inspect out --limit -5", 64, "--limit"),
        Row("inspect out --limit ten", 64, "--limit"),
        Row("inspect topic:events", 64, "--data"),
        Row("inspect topic:nope --data data", 1, "nope"),
        Row("report missing -o r.html", 1, "missing"),
        Row("report out -o empty-dir", 1, "empty-dir"),
        Row("checkpoint list", 64, "Missing expected argument"),
        Row("checkpoint list typo", 1, "typo"),
        Row("checkpoint list empty-dir", 1, "empty-dir"),
        Row("checkpoint show empty-dir", 1, "empty-dir"),
        Row("checkpoint show ck --id 99", 1, "99"),
        Row("checkpoint show ck --id -1", 64, "--id"),
        Row("topic list", 64, "--data"),
        Row("topic describe nope --data data", 1, "nope"),
        Row("topic create t0 --partitions 0 --data data", 64, "--partitions"),
        Row("topic create t1 --partitions -3 --data data", 64, "--partitions"),
        Row("topic consume broken --data data", 1, "topic.json"),
        Row("bench --python-baseline missing.py", 64, "missing.py"),
    ]

    /// A folder with what the rows name: a log, a replay output folder, a checkpoint folder, a bad
    /// pipeline file, an empty folder, and an embedded-log folder with a topic whose topic.json is bad.
    static let fixture: Result<TemporaryFolder, any Error> = Result {
        let folder = try TemporaryFolder("bad-invocations")
        let log = try folder.generatedLog { $0.conversations = 30 }
        _ = try folder.write("bad.yaml", "time:\n  dedup_ttl: 5 parsecs\n")
        try FileManager.default.createDirectory(atPath: folder.file("empty-dir"), withIntermediateDirectories: true)
        let replay = try FlywheelCLI.run(
            ["replay", log, "--out", folder.file("out"), "--checkpoint-dir", folder.file("ck"), "--quiet"])
        guard replay.status == 0 else { throw CLIFixtureError(message: "\(replay)") }
        let create = try FlywheelCLI.run(["topic", "create", "broken", "--data", folder.file("data")])
        guard create.status == 0 else { throw CLIFixtureError(message: "\(create)") }
        let settings = URL(fileURLWithPath: folder.file("data/broken/topic.json"))
        var topic = try JSONSerialization.jsonObject(with: Data(contentsOf: settings)) as? [String: Any] ?? [:]
        topic["partitions"] = 0
        try JSONSerialization.data(withJSONObject: topic).write(to: settings)
        return folder
    }

    struct CLIFixtureError: Error { let message: String }

    @Test(arguments: rows)
    func badInvocationExitsWithItsCodeAndAClearMessage(_ row: Row) throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try Self.fixture.get()
        let result = try FlywheelCLI.run(row.arguments, directory: folder.path, timeout: 60)
        #expect(result.status == row.status && !result.signaled, "\(row): \(result)")
        #expect(result.output.contains(row.phrase), "\(row): \(result)")
        for leak in Self.internals {
            #expect(!result.output.contains(leak), "\(row) shows \(leak): \(result)")
        }
        // A refused replay creates nothing.
        let created = FileManager.default.fileExists(atPath: folder.file("fresh"))
        try? FileManager.default.removeItem(atPath: folder.file("fresh"))
        #expect(!created, "\(row) created its --out")
    }
}
