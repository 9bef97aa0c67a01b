import ArgumentParser
import FlywheelConnectors
import FlywheelSignals

/// A hidden developer command: runs the processing half of a replay alone, for profilers.
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile-processing",
        abstract: "Time ingest + operators alone on a pre-decoded log (for profiling).",
        shouldDisplay: false)

    @Argument(help: "A JSONL log.")
    var input: String

    @Option(help: "Pipeline file.")
    var pipeline: String?

    @Option(help: "Rounds (the best is reported).")
    var rounds: Int = 3

    func run() async throws {
        let loaded = try CLIErrors.pipeline { () throws(PipelineError) in try LoadedPipeline.load(path: pipeline) }
        let result = try await ProcessingBench.run(path: input, config: loaded.config, rounds: rounds)
        print(
            "\(result.lines) lines processed in \(result.seconds) s: \(Int(Double(result.lines) / result.seconds)) lines/s"
        )
    }
}
