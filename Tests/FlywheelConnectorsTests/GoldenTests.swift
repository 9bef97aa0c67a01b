import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// The contract's worked examples, replayed straight, at other parallelism and batch sizes, and
/// restored from a checkpoint taken in the middle, at the same and at another parallelism: every
/// way gives the same bytes, and those match the expected output.
struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path
    static let examples = GoldenExample.all(in: root)

    @Test func examplesArePresent() {
        #expect(Self.examples.count >= 6)
    }

    @Test(arguments: examples)
    func replayMatchesExpectedOutput(_ example: GoldenExample) async throws {
        for (parallelism, batch) in [(1, 1024), (2, 1), (4, 3)] {
            let out = try TemporaryFolder("golden")
            defer { out.remove() }
            let loaded = try LoadedPipeline.load(path: example.pipeline)
            let options = ReplayOptions(
                inputs: [example.input], outputPath: out.path, config: loaded.config, catalog: loaded.catalog,
                parallelism: parallelism, batchLines: batch, force: true)
            _ = try await ReplayJob.run(options)
            let problems = GoldenComparison.differences(actual: out.path, expected: example.expected)
            #expect(problems.isEmpty, "\(example.name) at parallelism \(parallelism), batch \(batch): \(problems)")
        }
    }

    /// Replays with a checkpoint every quarter of the input, then treats the run as if it had crashed
    /// right after the middle checkpoint (the later ones deleted, the finished marker gone) and runs
    /// it again at `resumeAt` shards: the resumed folder must be byte-identical to the straight one.
    @Test(arguments: examples)
    func replayRestoredFromAMiddleCheckpointGivesTheSameBytes(_ example: GoldenExample) async throws {
        let lines = try String(contentsOfFile: example.input, encoding: .utf8).split(separator: "\n").count
        guard lines >= 4 else { return }
        let loaded = try LoadedPipeline.load(path: example.pipeline)
        let straight = try TemporaryFolder("golden-straight")
        defer { straight.remove() }
        _ = try await ReplayJob.run(
            ReplayOptions(
                inputs: [example.input], outputPath: straight.path, config: loaded.config, catalog: loaded.catalog,
                parallelism: 2, batchLines: 1, force: true))
        for resumeAt in [2, 3] {
            let folder = try TemporaryFolder("golden-restored")
            defer { folder.remove() }
            var options = ReplayOptions(
                inputs: [example.input], outputPath: folder.file("out"), config: loaded.config,
                catalog: loaded.catalog, parallelism: 2, batchLines: 1)
            options.checkpointDir = folder.file("checkpoints")
            options.checkpointInterval = .events(Int64(max(1, lines / 4)))
            _ = try await ReplayJob.run(options)
            let store = try CheckpointStore(path: folder.file("checkpoints"))
            let ids = store.ids()
            try #require(ids.count >= 2, "\(example.name): \(ids.count) checkpoints")
            let middle = ids[ids.count / 2 - 1]
            for id in ids where id > middle {
                try FileManager.default.removeItem(
                    atPath: folder.file("checkpoints/\(CheckpointStore.fileName(of: id))"))
            }
            try FileManager.default.removeItem(atPath: folder.file("checkpoints/finished.json"))
            options.parallelism = resumeAt
            let resumed = try await ReplayJob.run(options)
            #expect(resumed.resumedFrom == middle)
            for name in RecordKind.allCases.map(\.fileName) + ["summary.json"] {
                let want = FileManager.default.contents(atPath: straight.file(name))
                let got = FileManager.default.contents(atPath: folder.file("out/\(name)"))
                #expect(
                    got == want, "\(example.name) resumed at checkpoint \(middle), parallelism \(resumeAt): \(name)")
            }
        }
    }
}
