import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// A pipeline's `exports:` make the replay write training-ready files next to its signals.
struct PipelineExportTests {
    static let pipeline = """
        exports:
          - { format: trl-dpo, file: dpo.jsonl, split: 0.9 }
          - { format: openai-sft, file: sft.jsonl, min_chars: 3 }
        """

    @Test func replayWritesTheExportsThePipelineNames() async throws {
        let folder = try TemporaryFolder("pipeline-export")
        defer { folder.remove() }
        let log = try folder.generatedLog { $0.conversations = 400 }
        let pipelinePath = try folder.write("p.yaml", Self.pipeline)
        let loaded = try LoadedPipeline.load(path: pipelinePath)
        #expect(loaded.config.exports.count == 2)
        let result = try await ReplayJob.run(
            ReplayOptions(inputs: [log], outputPath: folder.file("out"), config: loaded.config))
        #expect(result.exports.count == 2)
        let pairs = result.counters.signalsOut[.preferencePair] ?? 0
        let dpo = try GoldenComparison.records(at: folder.file("out/dpo.jsonl"))
        let validation = try GoldenComparison.records(at: folder.file("out/dpo.val.jsonl"))
        #expect(dpo.count + validation.count > 0 && dpo.count + validation.count <= pairs)
        #expect(dpo.allSatisfy { Set($0.keys) == ["prompt", "chosen", "rejected"] })
        let sft = try GoldenComparison.records(at: folder.file("out/sft.jsonl"))
        #expect(sft.count > 0 && sft.allSatisfy { Set($0.keys) == ["messages"] })
    }

    @Test(arguments: [
        ("exports:\n  - { format: csv, file: x }\n", "unknown format"),
        ("exports:\n  - { file: x }\n", "needs a format and a file"),
        ("exports:\n  - { format: trl-dpo, file: x, split: 1.5 }\n", "between 0 and 1"),
        ("exports: { format: trl-dpo }\n", "expected a list"),
        ("exports:\n  - { format: trl-dpo, file: x, colour: red }\n", "unknown key"),
    ])
    func badExportsAreErrorsNamingTheKey(yaml: String, message: String) {
        #expect(throws: PipelineError.self) { try PipelineConfig.parse(yaml: yaml, path: "p.yaml") }
        do {
            _ = try PipelineConfig.parse(yaml: yaml, path: "p.yaml")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(error.line != nil)
        }
    }

    @Test func exportsSurviveTheEffectiveConfigurationRoundTrip() throws {
        let config = try PipelineConfig.parse(yaml: Self.pipeline, path: nil)
        #expect(try PipelineConfig.parse(yaml: config.effectiveYAML(), path: nil) == config)
    }
}
