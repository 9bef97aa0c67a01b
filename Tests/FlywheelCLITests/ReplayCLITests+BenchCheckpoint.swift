import FlywheelTesting
import Foundation
import Testing

extension ReplayCLITests {
    /// `flywheel bench checkpoint` times the encoding of a checkpoint's state, after checking that the state
    /// restored from the checkpoint encodes to as many bytes per key group as the checkpoint holds.
    @Test func benchCheckpointEncodesTheStateOfACheckpointAndNamesAFolderWithout() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-bench-checkpoint")
        defer { folder.remove() }
        let log = try Self.log(in: folder, conversations: 3_000)
        let checkpoints = folder.file("checkpoints")
        let arguments = [
            "replay", log, "--out", folder.file("out"), "--checkpoint-dir", checkpoints,
            "--checkpoint-interval", "5000events",
        ]
        let replayed = try await Self.run(arguments)
        #expect(replayed.status == 0, "\(replayed)")
        // The newest checkpoint is the replay's last, whose windows are all closed; an earlier one holds state.
        let names = Self.names(in: checkpoints).filter { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".bin") }.sorted()
        try #require(names.count >= 2, "\(names)")
        let midway = folder.file("midway")
        try FileManager.default.createDirectory(atPath: midway, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(checkpoints)/\(names[0])", toPath: "\(midway)/\(names[0])")
        let timed = try await Self.run(["bench", "checkpoint", midway, "--rounds", "2"])
        #expect(timed.status == 0, "\(timed)")
        #expect(timed.stdout.contains("conversations") && timed.stdout.contains("preference_pairs"), "\(timed)")
        #expect(timed.stdout.contains("MB/s"), "\(timed)")
        let empty = folder.file("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let refused = try await Self.run(["bench", "checkpoint", empty])
        #expect(refused.status != 0 && refused.stderr.contains("no readable checkpoint in \(empty)"), "\(refused)")
    }
}
