import FlywheelTesting
import Foundation
import Testing

struct CheckpointShowCLITests {
    /// `checkpoint show` decodes the ingest state and says how many event ids the de-dup remembers:
    /// some, and no more than the input elements the checkpoint covers.
    @Test func showCountsTheEventIdsTheDedupRemembers() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-checkpoint-dedup")
        defer { folder.remove() }
        let log = try ReplayCLITests.log(in: folder, conversations: 200)
        let replay = try await ReplayCLITests.run([
            "replay", log, "--out", folder.file("out"), "--checkpoint-dir", folder.file("ck"),
            "--checkpoint-interval", "500events",
        ])
        try #require(replay.status == 0, "\(replay)")
        let show = try await ReplayCLITests.run(["checkpoint", "show", folder.file("ck")])
        #expect(show.status == 0, "\(show)")
        let lines = show.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let elements = try #require(lines.first { $0.starts(with: ["input", "elements"]) }.flatMap { Int($0[2]) })
        let dedup = try #require(lines.first { $0.first == "de-dup" }, "\(show.stdout)")
        #expect(dedup.dropFirst(2).joined(separator: " ") == "event ids remembered, as 128-bit fingerprints")
        let remembered = try #require(Int(dedup[1]))
        #expect(remembered > 0)
        #expect(remembered <= elements)
    }
}
