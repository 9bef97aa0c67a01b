import ArgumentParser
import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka
#endif

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay JSONL event logs through a pipeline and write the signal files.",
        discussion: """
            Each INPUT is one source partition: the watermark is the minimum over them, and lines are taken from the input whose next line has the smallest timestamp. '-' reads standard input; gzip input (.jsonl.gz) is read transparently; topic:NAME reads every partition of an embedded-log topic (one source partition each) from the folder given with --data. kafka://HOST:PORT[,HOST:PORT...]/TOPIC reads every partition of a Kafka topic (one source partition each) from its earliest offset to the end librdkafka reports when it gets there (--kafka-property for client settings; no --checkpoint-dir). The output folder gets one JSONL file per record kind and summary.json with the counters.

            Interrupted by SIGINT or SIGTERM, a replay stops between batches and exits 130 or 143; its files keep their .inprogress names (nothing is final). With --checkpoint-dir, the same command run again resumes from the last checkpoint, if the inputs are unchanged.

            Examples:
              flywheel replay SampleData/conversations.jsonl \\
                --out out/
              flywheel replay events.jsonl.gz --out out/ \\
                --checkpoint-dir ck/
              flywheel generate --out - | flywheel replay - \\
                --out out/
            """)

    @Argument(help: "Input JSONL files ('-' for standard input; .gz is decompressed).")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output folder (must be empty or missing unless --force).")
    var out: String

    @Option(help: "Pipeline file (YAML). Default: the built-in pipeline, same as Pipelines/feedback.yaml.")
    var pipeline: String?

    @OptionGroup var shards: ShardOptions

    @Flag(help: "Overwrite the replay files in a non-empty output folder.")
    var force = false

    @Option(
        help: ArgumentHelp(
            "Checkpoint folder: take checkpoints while replaying; run the same command again after a crash to resume.",
            discussion:
                "Output is then written exactly once: the finished folder is byte-identical to an uninterrupted run."))
    var checkpointDir: String?

    @Option(help: "Checkpoint interval: a duration (5s, 250ms) or a number of input lines (100000events).")
    var checkpointInterval: String = "5s"

    @Option(help: "Embedded-log folder, for topic:NAME inputs and --out-topic.")
    var data: String?

    @Option(
        help: "Also write every output record to this topic of --data (keyed by kind; exactly once with checkpoints).")
    var outTopic: String?

    @Flag(help: "Print no summary, only errors.")
    var quiet = false

    @Option(
        name: .customLong("kafka-property"),
        help: ArgumentHelp(
            "For kafka://HOST:PORT/TOPIC inputs: a librdkafka consumer property, e.g. security.protocol=SSL "
                + "(repeatable).", valueName: "name=value"))
    var kafkaProperties: [String] = []

    func validate() throws {
        guard inputs.filter({ $0 == "-" }).count <= 1 else {
            throw ValidationError("standard input ('-') can be named only once")
        }
        if (inputs.contains { ReplaySource.topicName(of: $0) != nil } || outTopic != nil) && data == nil {
            throw ValidationError("topic:NAME inputs and --out-topic need the embedded-log folder: pass --data DIR")
        }
        guard CheckpointInterval.parse(checkpointInterval) != nil else {
            throw ValidationError(
                "--checkpoint-interval must be a duration such as 5s or 250ms, or a line count such as 100000events; "
                    + "got '\(checkpointInterval)'")
        }
    }

    func run() async throws {
        let loaded = try CLIErrors.pipeline { () throws(PipelineError) in try LoadedPipeline.load(path: pipeline) }
        var options = ReplayOptions(
            inputs: inputs, outputPath: out, config: loaded.config, catalog: loaded.catalog,
            parallelism: shards.parallelism, batchLines: shards.batchSize, force: force)
        options.checkpointDir = checkpointDir
        options.dataDir = data
        options.outputTopic = outTopic
        options.checkpointInterval = CheckpointInterval.parse(checkpointInterval) ?? .seconds(5)
        options.warn = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        options.externalInput = try Self.kafkaInputs(properties: kafkaProperties, warn: options.warn)
        options.externalSink = { [name = loaded.config.name, data] spec in
            try RunCommand.externalSink(
                spec, dataDir: data ?? FileManager.default.currentDirectoryPath, pipeline: name)
        }
        let stop = StopSignals()
        options.stop = stop
        defer { stop.restore() }
        let meter = ProgressMeter(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        defer { meter.clear() }
        let result = try await CLIErrors.connector(stop: stop) {
            try await ReplayJob.run(options, progress: meter.report)
        }
        if result.alreadyFinished {
            print("replay already finished (checkpoint folder \(checkpointDir ?? "")); \(out) is left as it is")
            return
        }
        if !quiet { print(ReplaySummaryText.render(result, outputPath: out)) }
    }

    /// Opens `kafka://HOST:PORT/TOPIC` inputs: every partition from its earliest offset to the end librdkafka
    /// reports, with a consumer group of its own that commits nothing.
    static func kafkaInputs(
        properties: [String], warn: @escaping @Sendable (String) -> Void
    ) throws -> @Sendable (String) throws -> (any Source)? {
        let parsed = try SourceFlags.properties(properties, flag: "--kafka-property")
        return { input in
            guard ReplayOptions.isExternal(input) else { return nil }
            #if canImport(FlywheelKafka)
                let spec = try SourceFlags.kafka(
                    input, flag: "input", group: "flywheel-replay-\(UUID().uuidString.prefix(8))", start: .earliest,
                    properties: parsed)
                do {
                    return try KafkaSource(spec, bounded: true, warn: warn)
                } catch {
                    throw ConnectorError(.invalidOption, "input \(input): \(error)", cause: error)
                }
            #else
                throw ConnectorError(
                    .invalidOption,
                    "input \(input): this flywheel was built without Kafka support: apt install librdkafka-dev, then "
                        + "rebuild")
            #endif
        }
    }
}
