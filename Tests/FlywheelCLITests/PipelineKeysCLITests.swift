import FlywheelTesting
import Foundation
import Testing

/// The live-run keys of the pipeline file (`sources`, `sinks`, `checkpoint`, `time.idle_advance`) as a user
/// meets them in `validate-pipeline` and `replay`. Processes are waited for off the cooperative pool
/// (`ReplayCLITests.run`).
struct PipelineKeysCLITests {
    static let liveKeys = [
        "sources:",
        "  events: { kind: topic, topic: events }",
        "  app: { kind: file, path: in.jsonl, follow: true }",
        "sinks:",
        "  files: { kind: folder, path: signals, roll_bytes: 1MiB, roll_age: 1h }",
        "  alerts: { kind: topic, topic: alerts, kinds: [quality_alert], linger: 5ms }",
        "checkpoint: { interval: 2s }",
    ]

    static let signals = ["signals:", "  model_quality: { window: 5m }", "  preference_pair: {}"]

    @Test func validatePipelineListsSourcesAndSinks() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-pipeline-keys")
        defer { folder.remove() }
        let path = try folder.write(
            "live.yaml", (Self.liveKeys + ["time: { idle_advance: none }"]).joined(separator: "\n"))
        let result = try await ReplayCLITests.run(["validate-pipeline", path])
        #expect(result.status == 0, "\(result)")
        let expected = [
            "# sources (flywheel run): 2",
            "#   events: topic \"events\", every partition, from the earliest offset",
            "#   app: file \"in.jsonl\", followed as it grows and rotates",
            "# sinks (flywheel run): 2",
            "#   files: folder \"signals\", files roll at 1MiB or 1h, every kind, linger 100ms",
            "#   alerts: topic \"alerts\" (records keyed by kind), kinds quality_alert, linger 5ms",
        ]
        #expect(result.stdout.hasSuffix(expected.joined(separator: "\n") + "\n"), "\(result)")
        #expect(result.stdout.contains("  idle_advance: none\n"), "\(result)")
        #expect(result.stdout.contains("checkpoint: { interval: 2s }\n"), "\(result)")
    }

    @Test func validatePipelineSaysWhenThereAreNoSourcesOrSinks() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-pipeline-keys")
        defer { folder.remove() }
        let result = try await ReplayCLITests.run(["validate-pipeline", try folder.write("p.yaml", "name: plain\n")])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("# sources (flywheel run): none\n# sinks (flywheel run): none: "), "\(result)")
    }

    @Test func badSinkIsRefusedWithKeyAndLine() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-pipeline-keys")
        defer { folder.remove() }
        let path = try folder.write("bad.yaml", "sinks:\n  out: { kind: stdout, kinds: [alerts] }\n")
        let result = try await ReplayCLITests.run(["validate-pipeline", path])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("bad.yaml:2: sinks.out.kinds[0]: unknown record kind \"alerts\""), "\(result)")
    }

    /// Replay ignores the live-run keys: the same signals with and without them give the same bytes.
    @Test func replayOutputDoesNotDependOnTheLiveKeys() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-pipeline-keys")
        defer { folder.remove() }
        let log = try folder.generatedLog {
            $0.conversations = 300
            $0.seed = 14
        }
        let plain = try folder.write("plain.yaml", Self.signals.joined(separator: "\n"))
        let live = try folder.write(
            "live.yaml", (Self.signals + Self.liveKeys + ["time: { idle_advance: none }"]).joined(separator: "\n"))
        for (pipeline, out) in [(plain, "plain"), (live, "live")] {
            let result = try await ReplayCLITests.run([
                "replay", log, "--pipeline", pipeline, "--out", folder.file(out),
            ])
            #expect(result.status == 0, "\(result)")
        }
        let plainFiles = try folderBytes(folder.file("plain"))
        #expect(plainFiles.count == 8)
        #expect(try folderBytes(folder.file("live")) == plainFiles)
    }
}
