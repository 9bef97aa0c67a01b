import ArgumentParser
import FlywheelConnectors
import FlywheelForward
import FlywheelRuntime
import FlywheelSignals
import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline live: read its sources continuously, write its sinks, checkpoint, resume.",
        discussion: """
            The pipeline file declares what to read (sources:) and where records go (sinks:); without sinks:, \
            records go to a folder sink at DIR/signals. Relative paths in the pipeline are taken from --data DIR, \
            which also holds the embedded-log topics and the checkpoints (DIR/checkpoints, every \
            checkpoint.interval, 10s by default).

            Records reach the sinks as soon as the watermark allows them (within a sink's linger, 100ms by \
            default). When every source partition has been idle for time.idle_timeout, the watermark follows the \
            wall clock (time.idle_advance), so windows close and sessions end without new traffic.

            SIGINT or SIGTERM: stop reading, take a final checkpoint, exit 0; the next start resumes from it with \
            no record lost or repeated in a folder or topic sink (a second signal exits at once; the next start \
            still resumes correctly). A run whose sources are all bounded files ends once they are read.

            Examples:
              flywheel topic create events --partitions 4 --data data/
              flywheel run --pipeline Pipelines/live.yaml \\
                --data data/
              flywheel inspect data/signals/
              flywheel run --source kafka://127.0.0.1:9092/events --group flywheel --data data/
            """)

    @Option(
        help:
            "Pipeline file (YAML) with sources: and, optionally, sinks: (without it: the default pipeline, read from --source)."
    )
    var pipeline: String?

    @OptionGroup(title: "Source from the command line") var sourceFlags: SourceFlags

    @Option(help: "The job's folder: embedded-log topics, relative paths of the pipeline, checkpoints.")
    var data: String

    @OptionGroup var shards: ShardOptions

    @Flag(help: "Print nothing but errors and warnings.")
    var quiet = false

    func run() async throws {
        var loaded = try CLIErrors.pipeline { () throws(PipelineError) in try LoadedPipeline.load(path: pipeline) }
        if let source = try sourceFlags.spec() {
            loaded.config.sources = [source]
        } else if pipeline == nil {
            throw ValidationError(
                "give the pipeline file with --pipeline FILE (its sources: say what to read), or a source with "
                    + "--source kafka://HOST:PORT/TOPIC or --source topic:NAME")
        }
        var options = RunOptions(
            config: loaded.config, catalog: loaded.catalog, dataDir: data, parallelism: shards.parallelism)
        options.batchLines = shards.batchSize
        options.externalSink = { [name = loaded.config.name] spec, dataDir in
            try Self.externalSink(spec, dataDir: dataDir, pipeline: name)
        }
        #if canImport(FlywheelKafka)
            options.externalSource = { spec, warn in try KafkaSource.make(spec, warn: warn) }
        #endif
        options.warn = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        let stop = StopSignals()
        options.stop = stop
        defer { stop.restore() }
        if !quiet {
            let sinks = loaded.config.sinks.isEmpty ? [RunJob.defaultSink] : loaded.config.sinks
            let text =
                "running \(pipeline ?? "the default pipeline"): sources \(loaded.config.sources.map(\.name).joined(separator: ", ")); "
                + "sinks \(sinks.map(\.name).joined(separator: ", ")); checkpoints in \(options.checkpointDir); "
                + "SIGINT or SIGTERM stops\n"
            FileHandle.standardError.write(Data(text.utf8))
        }
        let result = try await CLIErrors.connector(stop: nil) { try await RunJob.run(options) }
        guard !quiet else { return }
        let how =
            result.stoppedAtCheckpoint.map {
                "stopped by \(stop.stopSignal.map(StopSignal.name) ?? "request") "
                    + "at checkpoint \($0); the next start resumes from it"
            }
            ?? "every source ended; every record was released"
        let resumed = result.resumedFrom.map { " (resumed from checkpoint \($0))" } ?? ""
        print(
            "\(how)\(resumed): \(result.eventsThisRun) input events this run, "
                + "\(result.counters.signalsOut.values.reduce(0, +)) signals in all, "
                + "\(result.checkpoints.count) checkpoints this run")
    }

    /// The sinks `RunJob` cannot build itself: `forward` (FlywheelForward) and `kafka` (FlywheelKafka).
    static func externalSink(
        _ spec: PipelineConfig.SinkSpec, dataDir: String, pipeline: String?
    ) throws -> any Sink {
        switch spec.kind {
        case .kafka:
            #if canImport(FlywheelKafka)
                return try KafkaSink(spec, pipeline: pipeline)
            #else
                throw ConnectorError(
                    .invalidOption,
                    "this flywheel was built without Kafka support: install librdkafka's headers (Debian: apt install "
                        + "librdkafka-dev) and build again (see the README, Kafka)")
            #endif
        default: return try ForwardSink.make(spec, dataDir: dataDir)
        }
    }
}
