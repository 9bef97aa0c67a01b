import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// A replay reads all of every input or fails, and a mistake in the command leaves nothing behind.
struct ReplayInputTests {
    static func log(in folder: TemporaryFolder, conversations: Int = 100, seed: UInt64 = 5) throws -> String {
        try folder.generatedLog {
            $0.conversations = conversations
            $0.seed = seed
        }
    }

    /// `path` compressed by gzip(1), as a new file `name`.
    static func gzip(_ path: String, to name: String, in folder: TemporaryFolder) throws -> Data {
        let data = try gzipped(path)
        try data.write(to: URL(fileURLWithPath: folder.file(name)))
        return data
    }

    static func replay(_ inputs: [String], _ out: String, force: Bool = false) async throws -> ReplayResult {
        try await ReplayJob.run(ReplayOptions(inputs: inputs, outputPath: out, parallelism: 2, force: force))
    }

    @Test func truncatedGzipFailsNamingTheFileAndHowFarItGot() async throws {
        let folder = try TemporaryFolder("gzip-truncated")
        defer { folder.remove() }
        let data = try Self.gzip(try Self.log(in: folder), to: "full.gz", in: folder)
        let cut = folder.file("cut.jsonl.gz")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        let error = await #expect(throws: ConnectorError.self) { try await Self.replay([cut], folder.file("out")) }
        #expect(error?.message.contains("cut.jsonl.gz is truncated") == true, "\(String(describing: error))")
        #expect(error?.message.contains("\(data.count / 2) compressed bytes") == true)
        #expect(!FileManager.default.fileExists(atPath: folder.file("out/summary.json")))
        #expect(!FileManager.default.fileExists(atPath: folder.file("out/preference_pair.jsonl")))
    }

    @Test func garbageAfterTheGzipStreamFails() async throws {
        let folder = try TemporaryFolder("gzip-garbage")
        defer { folder.remove() }
        var data = try Self.gzip(try Self.log(in: folder), to: "full.gz", in: folder)
        data.append(Data("not gzip\n".utf8))
        let input = folder.file("garbage.gz")
        try data.write(to: URL(fileURLWithPath: input))
        let error = await #expect(throws: ConnectorError.self) { try await Self.replay([input], folder.file("out")) }
        #expect(error?.message.contains("garbage.gz has data after the end of its gzip stream") == true)
    }

    @Test func concatenatedGzipMembersAreReadAsOneInput() async throws {
        let folder = try TemporaryFolder("gzip-members")
        defer { folder.remove() }
        let log = try Self.log(in: folder)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: log))
        let cut = try #require(bytes[(bytes.count / 2)...].firstIndex(of: UInt8(ascii: "\n"))) + 1
        let first = folder.file("first.jsonl")
        let second = folder.file("second.jsonl")
        try bytes[..<cut].write(to: URL(fileURLWithPath: first))
        try bytes[cut...].write(to: URL(fileURLWithPath: second))
        let members = try Self.gzip(first, to: "a.gz", in: folder) + Self.gzip(second, to: "b.gz", in: folder)
        let input = folder.file("both.gz")
        try members.write(to: URL(fileURLWithPath: input))
        let plain = try await Self.replay([log], folder.file("plain"))
        let zipped = try await Self.replay([input], folder.file("zipped"))
        #expect(zipped.counters == plain.counters)
        #expect(zipped.counters.eventsIn > 0)
    }

    @Test func inputThatIsAnOutputFileIsRefusedAndLeftAlone() async throws {
        let folder = try TemporaryFolder("input-in-out")
        defer { folder.remove() }
        let text = try Data(contentsOf: URL(fileURLWithPath: try Self.log(in: folder)))
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        let input = folder.file("out/preference_pair.jsonl")
        try text.write(to: URL(fileURLWithPath: input))
        let error = await #expect(throws: ConnectorError.self) {
            try await Self.replay([folder.file("out/../out/preference_pair.jsonl")], folder.file("out"), force: true)
        }
        #expect(error?.message.contains("is a file this replay writes") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == text)
    }

    /// A hard link to an output file (or to a leftover `.inprogress` one) is another name for the
    /// same bytes: a checkpointed replay with --force cut it to nothing and replayed 0 events.
    @Test(arguments: ["preference_pair.jsonl", "preference_pair.jsonl.inprogress"])
    func hardLinkToAnOutputFileIsRefusedAndLeftAlone(name: String) async throws {
        let folder = try TemporaryFolder("input-linked-in-out")
        defer { folder.remove() }
        let text = try Data(contentsOf: URL(fileURLWithPath: try Self.log(in: folder)))
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        try text.write(to: URL(fileURLWithPath: folder.file("out/\(name)")))
        try FileManager.default.linkItem(atPath: folder.file("out/\(name)"), toPath: folder.file("input.jsonl"))
        var options = ReplayOptions(inputs: [folder.file("input.jsonl")], outputPath: folder.file("out"), force: true)
        options.checkpointDir = folder.file("checkpoints")
        let error = await #expect(throws: ConnectorError.self) { try await ReplayJob.run(options) }
        #expect(error?.message.contains("is a file this replay writes") == true, "\(String(describing: error))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("input.jsonl"))) == text)
    }

    /// A pipe cannot be resumed: a checkpointed replay of one is refused before anything is created
    /// (it created the folders, then waited for a writer, deaf to the first SIGINT).
    @Test func checkpointedReplayOfAPipeIsRefused() async throws {
        let folder = try TemporaryFolder("checkpoint-fifo")
        defer { folder.remove() }
        try #require(mkfifo(folder.file("events.jsonl"), 0o644) == 0)
        var options = ReplayOptions(inputs: [folder.file("events.jsonl")], outputPath: folder.file("out"))
        options.checkpointDir = folder.file("checkpoints")
        let error = await #expect(throws: ConnectorError.self) { try await ReplayJob.run(options) }
        #expect(error?.message.contains("needs seekable inputs") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
        #expect(!FileManager.default.fileExists(atPath: folder.file("checkpoints")))
    }

    @Test(arguments: ["missing.jsonl", "a-folder"])
    func badInputCreatesNothing(input: String) async throws {
        let folder = try TemporaryFolder("preflight")
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("a-folder"), withIntermediateDirectories: true)
        let good = try Self.log(in: folder, conversations: 20)
        var options = ReplayOptions(inputs: [good, folder.file(input)], outputPath: folder.file("out"))
        options.checkpointDir = folder.file("checkpoints")
        await #expect(throws: ConnectorError.self) { try await ReplayJob.run(options) }
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
        #expect(!FileManager.default.fileExists(atPath: folder.file("checkpoints")))
        // The corrected command then runs.
        options.inputs = [good]
        _ = try await ReplayJob.run(options)
    }

    @Test func leftoversOfAnUnfinishedReplayDoNotBlockTheNextOne() async throws {
        let folder = try TemporaryFolder("leftovers")
        defer { folder.remove() }
        let log = try Self.log(in: folder, conversations: 20)
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        _ = try folder.write("out/sft_example.jsonl.inprogress", "{\"partial\n")
        _ = try folder.write("out/summary.json.tmp", "{")
        _ = try await Self.replay([log], folder.file("out"))
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")))
        #expect(names == Set(RecordKind.allCases.map(\.fileName) + ["summary.json"]))
    }

    @Test func outputFileNamesAreFinalOnlyAtTheEnd() async throws {
        let folder = try TemporaryFolder("inprogress")
        defer { folder.remove() }
        let log = try Self.log(in: folder, conversations: 20)
        // A rerun with --force removes the earlier run's final files before it writes anything.
        _ = try await Self.replay([log], folder.file("out"))
        let cut = folder.file("cut.gz")
        let data = try Self.gzip(log, to: "full.gz", in: folder)
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: cut))
        await #expect(throws: ConnectorError.self) { try await Self.replay([cut], folder.file("out"), force: true) }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.file("out"))
        #expect(names.allSatisfy { $0.hasSuffix(".inprogress") }, "\(names)")
    }

    /// `summary.json` that cannot be written (a full disk; here a folder in the way of its temporary
    /// file) fails the replay before any record file has its final name (they were renamed first,
    /// so a failed replay left complete-looking files that `export` would use).
    @Test func summaryThatCannotBeWrittenLeavesNothingFinal() async throws {
        let folder = try TemporaryFolder("summary-fails")
        defer { folder.remove() }
        let log = try Self.log(in: folder, conversations: 20)
        try FileManager.default.createDirectory(
            atPath: folder.file("out/summary.json.tmp"), withIntermediateDirectories: true)
        let error = await #expect(throws: ConnectorError.self) { try await Self.replay([log], folder.file("out")) }
        #expect(error?.message.contains("nothing is final") == true, "\(String(describing: error))")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.file("out"))
        #expect(names.allSatisfy { $0.hasSuffix(".inprogress") || $0 == "summary.json.tmp" }, "\(names)")
    }
}
