import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// The contract's worked examples, replayed straight, at other parallelism and batch sizes.
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
}
