import ArgumentParser
import FlywheelSignals

struct ValidatePipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-pipeline",
        abstract: "Check a pipeline file and print its effective configuration.",
        discussion: """
            Every key is checked; an error names the key and its line. The model catalog, when the \
            pipeline names one, is loaded and checked too. The sources and sinks that flywheel run would \
            use are listed at the end. Exit code 0 when valid, 2 when not.

            Example:
              flywheel validate-pipeline Pipelines/feedback.yaml
            """)

    @Argument(help: "The pipeline file (YAML).")
    var file: String

    func run() throws {
        let loaded = try CLIErrors.pipeline { () throws(PipelineError) in try LoadedPipeline.load(path: file) }
        print("# \(file) is valid. Effective configuration:")
        print(loaded.config.effectiveYAML(), terminator: "")
        if let catalog = loaded.catalog {
            print("# model catalog: \(catalog.models.count) models")
        }
        let config = loaded.config
        print("# sources (flywheel run): " + (config.sources.isEmpty ? "none" : "\(config.sources.count)"))
        config.sources.forEach { print("#   \($0)") }
        print(
            "# sinks (flywheel run): "
                + (config.sinks.isEmpty
                    ? "none: flywheel run writes a folder sink at DIR/signals for --data DIR" : "\(config.sinks.count)")
        )
        config.sinks.forEach { print("#   \($0)") }
        if !config.service.isEmpty {
            print("# service (flywheel serve; flags and environment variables win): \(config.service.summary)")
        }
    }
}
