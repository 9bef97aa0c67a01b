import FlywheelTesting
import Foundation
import Testing

/// A `file` source with `follow: true` through `flywheel run`: lines appended while it runs, a rotation
/// (rename, then a new file) and a truncation (copytruncate) all arrive, each line once. Every line is
/// invalid, so each gives one dead letter, released at once: the folder sink's dead letters (raw text and
/// line number) show what was read.
extension RunCLITests {
    static let followPipeline = """
        sources:
          app: { kind: file, path: app.jsonl, follow: true }
        sinks:
          dead: { kind: folder, path: dead, kinds: [dead_letter], roll_age: 100ms }
        checkpoint: { interval: 200ms }
        """

    /// The committed dead letters of the sink at `path` as "raw@position".
    static func deadLetters(_ path: String) -> [String] {
        committed(path)["dead_letter"]!.compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let raw = object["raw"] as? String, let position = object["position"] as? Int
            else { return line }
            return "\(raw)@\(position)"
        }
    }

    static func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    @Test func followedFileDeliversEveryLineAcrossAppendsRotationTruncationAndRestart() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("run-follow")
        defer { folder.remove() }
        let pipeline = try folder.write("follow.yaml", Self.followPipeline)
        let data = folder.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let app = folder.file("data/app.jsonl")
        let dead = folder.file("data/dead")
        _ = try folder.write("data/app.jsonl", "bad 1\nbad 2\n")
        var run = try Self.startRun(pipeline: pipeline, data: data)
        var expected = ["bad 1@1", "bad 2@2"]
        func arrived() async -> Bool { await Self.eventually(timeout: 30) { Self.deadLetters(dead) == expected } }
        #expect(await arrived(), "\(Self.deadLetters(dead))")

        try Self.append("bad 3\n", to: app)
        expected.append("bad 3@3")
        #expect(await arrived(), "appended: \(Self.deadLetters(dead))")

        // Rotation: the old file is read to its end, then the new one from its start.
        try FileManager.default.moveItem(atPath: app, toPath: app + ".1")
        try Self.append("bad 4\n", to: app + ".1")
        _ = try folder.write("data/app.jsonl", "bad 5\n")
        expected += ["bad 4@4", "bad 5@1"]
        #expect(await arrived(), "rotated: \(Self.deadLetters(dead))")

        // copytruncate: copied away, emptied, written again from the start (shorter than before).
        try FileManager.default.copyItem(atPath: app, toPath: app + ".2")
        try #require(truncate(app, 0) == 0)
        try Self.append("b6\n", to: app)
        expected.append("b6@1")
        #expect(await arrived(), "truncated: \(Self.deadLetters(dead))")
        try Self.append("bad 7\n", to: app)
        expected.append("bad 7@2")
        #expect(await arrived(), "appended after truncation: \(Self.deadLetters(dead))")

        // Stopped, appended to, started again: it resumes where the final checkpoint stopped.
        let stopped = await Self.stop(run)
        #expect(stopped.status == 0 && !stopped.signaled, "\(stopped)")
        try Self.append("bad 8\n", to: app)
        run = try Self.startRun(pipeline: pipeline, data: data)
        expected.append("bad 8@3")
        #expect(await arrived(), "after the restart: \(Self.deadLetters(dead))")
        let result = await Self.stop(run)
        #expect(result.status == 0 && !result.signaled, "\(result)")
        #expect(Self.deadLetters(dead) == expected)
    }
}
