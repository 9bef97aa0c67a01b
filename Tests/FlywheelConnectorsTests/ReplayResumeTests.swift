import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// A checkpoint folder is resumed only by the replay that made it, and only on the same inputs.
struct ReplayResumeTests {
    /// A checkpointed replay of `input` run to its end, then made to look as if it had been killed
    /// after its last checkpoint (the finished marker removed).
    static func interruptedReplay(_ input: String, in folder: TemporaryFolder) async throws -> ReplayOptions {
        var options = ReplayOptions(inputs: [input], outputPath: folder.file("out"), parallelism: 2)
        options.checkpointDir = folder.file("checkpoints")
        options.checkpointInterval = .events(300)
        _ = try await ReplayJob.run(options)
        try FileManager.default.removeItem(atPath: folder.file("checkpoints/finished.json"))
        return options
    }

    static func log(in folder: TemporaryFolder, _ name: String = "log.jsonl", seed: UInt64 = 11) throws -> String {
        try folder.generatedLog(name) {
            $0.conversations = 150
            $0.seed = seed
        }
    }

    static func expectRefused(_ options: ReplayOptions, saying phrase: String) async {
        let error = await #expect(throws: ConnectorError.self) { try await ReplayJob.run(options) }
        #expect(error?.message.contains(phrase) == true, "\(String(describing: error?.message))")
    }

    /// A stop with several inputs ends the replay even when the decoders have filled their channels
    /// (it used to wait for them forever: SIGTERM on `replay a.jsonl b.jsonl` hung).
    @Test(.timeLimit(.minutes(5))) func stopWithSeveralInputsEndsTheReplay() async throws {
        let folder = try TemporaryFolder("stop-merged")
        defer { folder.remove() }
        let first = try Self.log(in: folder, "a.jsonl", seed: 21)
        let second = try Self.log(in: folder, "b.jsonl", seed: 22)
        var options = ReplayOptions(inputs: [first, second], outputPath: folder.file("out"), batchLines: 4)
        options.stop = StopSignals([])
        options.stop?.stop()
        let error = await #expect(throws: ConnectorError.self) { try await ReplayJob.run(options) }
        #expect(error?.code == .interrupted, "\(String(describing: error))")
    }

    @Test func replacedInputIsRefused() async throws {
        let folder = try TemporaryFolder("resume-replaced")
        defer { folder.remove() }
        let input = try Self.log(in: folder)
        let options = try await Self.interruptedReplay(input, in: folder)
        let other = try Data(contentsOf: URL(fileURLWithPath: try Self.log(in: folder, "other.jsonl", seed: 12)))
        try other.write(to: URL(fileURLWithPath: input))
        await Self.expectRefused(options, saying: "input \(input) has changed")
    }

    @Test func truncatedInputIsRefused() async throws {
        let folder = try TemporaryFolder("resume-truncated")
        defer { folder.remove() }
        let input = try Self.log(in: folder)
        let options = try await Self.interruptedReplay(input, in: folder)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: input))
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: input))
        await Self.expectRefused(options, saying: "has changed since the checkpoint was taken")
    }

    @Test func inputWithTheSameSizeButOtherBytesIsRefused() async throws {
        let folder = try TemporaryFolder("resume-edited")
        defer { folder.remove() }
        let input = try Self.log(in: folder)
        let options = try await Self.interruptedReplay(input, in: folder)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: input))
        let index = try #require(bytes.firstIndex(of: UInt8(ascii: "e")))
        bytes[index] = UInt8(ascii: "f")
        try bytes.write(to: URL(fileURLWithPath: input))
        await Self.expectRefused(options, saying: "bytes differ")
    }

    @Test func unchangedGzipInputResumesToTheSameOutput() async throws {
        let folder = try TemporaryFolder("resume-gzip")
        defer { folder.remove() }
        let log = try Self.log(in: folder)
        _ = try ReplayInputTests.gzip(log, to: "log.jsonl.gz", in: folder)
        var options = try await Self.interruptedReplay(folder.file("log.jsonl.gz"), in: folder)
        let resumed = try await ReplayJob.run(options)
        #expect(resumed.resumedFrom != nil)
        let resumedBytes = try folderBytes(folder.file("out"))
        options.checkpointDir = nil
        options.outputPath = folder.file("straight")
        _ = try await ReplayJob.run(options)
        #expect(try folderBytes(folder.file("straight")) == resumedBytes)
    }

    @Test func severalInputsResumeToTheSameOutput() async throws {
        let folder = try TemporaryFolder("resume-merged")
        defer { folder.remove() }
        let first = try Self.log(in: folder)
        let second = try Self.log(in: folder, "second.jsonl", seed: 13)
        var options = ReplayOptions(inputs: [first, second], outputPath: folder.file("out"), parallelism: 3)
        options.checkpointDir = folder.file("checkpoints")
        options.checkpointInterval = .events(400)
        _ = try await ReplayJob.run(options)
        try FileManager.default.removeItem(atPath: folder.file("checkpoints/finished.json"))
        let finished = try folderBytes(folder.file("out"))
        let resumed = try await ReplayJob.run(options)
        #expect(resumed.resumedFrom != nil)
        #expect(try folderBytes(folder.file("out")) == finished)
    }

    @Test func aFolderHoldingOnlyTheTemporaryJobFileOfAKilledFirstRunIsNew() async throws {
        let folder = try TemporaryFolder("resume-tmpjob")
        defer { folder.remove() }
        let log = try Self.log(in: folder)
        // A first run killed while it wrote job.json leaves job.json.tmp and nothing else.
        try FileManager.default.createDirectory(atPath: folder.file("checkpoints"), withIntermediateDirectories: true)
        _ = try folder.write("checkpoints/job.json.tmp", "{\"inputs\": [")
        var options = ReplayOptions(inputs: [log], outputPath: folder.file("out"), parallelism: 2)
        options.checkpointDir = folder.file("checkpoints")
        options.checkpointInterval = .events(400)
        let result = try await ReplayJob.run(options)
        #expect(result.resumedFrom == nil)
        #expect(FileManager.default.fileExists(atPath: folder.file("checkpoints/job.json")))
        #expect(!FileManager.default.fileExists(atPath: folder.file("checkpoints/job.json.tmp")))
        let plain = try await ReplayJob.run(
            ReplayOptions(inputs: [log], outputPath: folder.file("plain"), parallelism: 2))
        _ = plain
        #expect(try folderBytes(folder.file("out")) == folderBytes(folder.file("plain")))
    }

    @Test func folderWithoutJobFileIsNotTakenOver() async throws {
        let folder = try TemporaryFolder("resume-nojob")
        defer { folder.remove() }
        var options = try await Self.interruptedReplay(try Self.log(in: folder), in: folder)
        try FileManager.default.removeItem(atPath: folder.file("checkpoints/job.json"))
        options.inputs = [try folder.write("small.jsonl", "")]
        options.outputPath = folder.file("other")
        options.force = true
        await Self.expectRefused(options, saying: "has no job.json")
        #expect(!FileManager.default.fileExists(atPath: folder.file("other")))
    }

    @Test func pathsSpelledDifferentlyAreTheSameJob() async throws {
        let folder = try TemporaryFolder("resume-spelling")
        defer { folder.remove() }
        let input = try Self.log(in: folder)
        var options = try await Self.interruptedReplay(input, in: folder)
        try FileManager.default.createSymbolicLink(atPath: folder.file("link"), withDestinationPath: folder.path)
        options.inputs = [folder.file("link/./log.jsonl")]
        options.outputPath = folder.file("link/out/")
        options.checkpointDir = folder.file("link/checkpoints/")
        let result = try await ReplayJob.run(options)
        #expect(result.resumedFrom != nil)
    }

    /// The `source` of dead letters and late events is the input as the first run spelled it, also
    /// for the records a resume spelled differently writes: the folder is byte-identical to an
    /// uninterrupted run (it mixed "DIR/log.jsonl" and "DIR/link/./log.jsonl").
    @Test func aResumeSpelledDifferentlyWritesTheSameBytes() async throws {
        let folder = try TemporaryFolder("resume-spelling-bytes")
        defer { folder.remove() }
        let input = try Self.log(in: folder)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
        handle.seekToEndOfFile()
        handle.write(Data("not json 1\nnot json 2\nnot json 3\n".utf8))
        try handle.close()
        let lines = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n").count
        var options = try await Self.interruptedReplay(input, in: folder)
        try FileManager.default.createSymbolicLink(atPath: folder.file("link"), withDestinationPath: folder.path)
        options.inputs = [folder.file("link/./log.jsonl")]
        let result = try await ReplayJob.run(options)
        try #require(result.resumedFrom != nil && result.resumedEventsIn <= Int64(lines - 3), "\(result)")
        _ = try await ReplayJob.run(ReplayOptions(inputs: [input], outputPath: folder.file("expected")))
        #expect(try folderBytes(folder.file("out")) == folderBytes(folder.file("expected")))
    }

    /// A finished replay run again leaves its output alone; when that output is gone it says so
    /// (it said "already finished ... left as it is" and exited 0 with no output folder at all).
    @Test func finishedReplayWhoseOutputIsGoneSaysSo() async throws {
        let folder = try TemporaryFolder("resume-finished-gone")
        defer { folder.remove() }
        var options = ReplayOptions(inputs: [try Self.log(in: folder)], outputPath: folder.file("out"))
        options.checkpointDir = folder.file("checkpoints")
        _ = try await ReplayJob.run(options)
        #expect(try await ReplayJob.run(options).alreadyFinished)
        try FileManager.default.removeItem(atPath: folder.file("out"))
        await Self.expectRefused(options, saying: "says this replay finished, but \(folder.file("out/summary.json"))")
    }

    /// A checkpoint folder inside the output folder (or the output folder itself): the first run
    /// works (it created the checkpoint folder, then refused the output folder as not empty, and
    /// left the checkpoint folder behind), and so does a resume.
    @Test(arguments: ["out/checkpoints", "out"])
    func checkpointFolderInsideTheOutputFolder(checkpoints: String) async throws {
        let folder = try TemporaryFolder("resume-inside-out")
        defer { folder.remove() }
        let input = try Self.log(in: folder)
        var options = ReplayOptions(inputs: [input], outputPath: folder.file("out"), parallelism: 2)
        options.checkpointDir = folder.file(checkpoints)
        options.checkpointInterval = .events(300)
        _ = try await ReplayJob.run(options)
        try FileManager.default.removeItem(atPath: folder.file("\(checkpoints)/finished.json"))
        let resumed = try await ReplayJob.run(options)
        #expect(resumed.resumedFrom != nil)
        _ = try await ReplayJob.run(ReplayOptions(inputs: [input], outputPath: folder.file("expected")))
        let names = RecordKind.allCases.map(\.fileName) + ["summary.json"]
        #expect(try folderBytes(folder.file("out"), names: names) == folderBytes(folder.file("expected"), names: names))
    }

    /// A checkpoint folder of another replay is refused naming what differs (it said "different
    /// inputs, --out or pipeline").
    @Test func anotherReplaysFolderIsRefusedNamingWhatDiffers() async throws {
        let folder = try TemporaryFolder("resume-other-job")
        defer { folder.remove() }
        var options = try await Self.interruptedReplay(try Self.log(in: folder), in: folder)
        options.outputPath = folder.file("elsewhere")
        await Self.expectRefused(
            options,
            saying:
                "its --out was \(CanonicalPath.of(folder.file("out"))), now \(CanonicalPath.of(folder.file("elsewhere")))"
        )
        #expect(!FileManager.default.fileExists(atPath: folder.file("elsewhere")))
    }
}
