import ArgumentParser
import FlywheelConnectors
import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka
#endif

struct KafkaBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure how fast a topic is read: the raw consumer, the full pipeline, and a baseline client.",
        discussion: """
            Reads every partition of the topic from its beginning to the end it had when the command started \
            (partition ends as librdkafka reports them), with batched polls, and prints records, bytes, seconds \
            and records/s. Nothing is committed.

            --pipeline also runs the default pipeline live over the topic (a kind: kafka source with a consumer \
            group of its own, from the earliest offsets; folder sink and checkpoints in a temporary folder) and \
            times it until it has read every record. --baseline confluent-kafka also reads the topic with \
            confluent-kafka's Python client (pip install confluent-kafka), a client not written here. Each round \
            runs them in turn on the same broker; the medians and the ratios come last (see "Kafka" in README.md).

            Examples:
              flywheel kafka bench --bootstrap localhost:9092 --topic events
              flywheel kafka bench --bootstrap localhost:9092 --topic events --pipeline \\
                --baseline confluent-kafka --rounds 3
            """)

    @OptionGroup var cluster: KafkaClusterOptions

    @Option(help: "The topic to read.")
    var topic: String

    @Option(parsing: .unconditional, help: "Records asked for per poll.")
    var batch: Int = 10_000

    @Flag(help: "Also time the full default pipeline reading the topic through a kafka source.")
    var pipeline = false

    @Option(
        help: ArgumentHelp("Also time a raw read by another client: confluent-kafka, or none.", valueName: "client"))
    var baseline: String = "none"

    @Option(parsing: .unconditional, help: "Rounds; medians are reported.")
    var rounds: Int = 1

    @Option(parsing: .unconditional, help: "Shards of the pipeline (--pipeline).")
    var parallelism: Int = ReplayOptions.defaultParallelism()

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if rounds < 1 { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
        if parallelism < 1 { throw ValidationError("--parallelism must be at least 1, got \(parallelism)") }
        guard ["none", "confluent-kafka"].contains(baseline) else {
            throw ValidationError("--baseline must be confluent-kafka or none, got '\(baseline)'")
        }
    }

    func run() async throws {
        #if canImport(FlywheelKafka)
            let properties = try cluster.parsedProperties()
            var settings = ["enable.partition.eof": "true"]
            settings.merge(properties) { _, set in set }
            let configuration = KafkaConfiguration(bootstrap: cluster.bootstrap, settings)
            var raw: [Double] = []
            var base: [Double] = []
            var piped: [Double] = []
            for round in 1...rounds {
                let read = try KafkaErrors.run { try Self.measure(configuration, topic: topic, batch: batch) }
                raw.append(read.rate)
                print("round \(round): KafkaConsumer: \(read.text)")
                if baseline == "confluent-kafka" {
                    switch await KafkaPipelineBench.confluent(
                        bootstrap: cluster.bootstrap, topic: topic, properties: properties)
                    {
                    case .success(let result):
                        let rate = result.seconds > 0 ? Double(result.records) / result.seconds : 0
                        base.append(rate)
                        print(
                            "round \(round): confluent-kafka: \(result.records) records in "
                                + String(format: "%.2f s (%.0f records/s)", result.seconds, rate))
                    case .failure(let unavailable):
                        throw ValidationError("--baseline confluent-kafka: \(unavailable.reason)")
                    }
                }
                if pipeline {
                    let live = try await KafkaPipelineBench.pipeline(
                        bootstrap: cluster.bootstrap, topic: topic, properties: properties, total: read.records,
                        parallelism: parallelism)
                    let rate = live.seconds > 0 ? Double(read.records) / live.seconds : 0
                    piped.append(rate)
                    print(
                        "round \(round): pipeline: read \(read.records) events in "
                            + String(format: "%.2f s (%.0f events/s, %.2f s CPU)", live.seconds, rate, live.cpu)
                            + ", \(live.records) signals")
                }
            }
            print(Self.summary(raw: raw, baseline: base, pipeline: piped))
        #else
            throw KafkaSupport.unavailable()
        #endif
    }

    /// The medians and, where both were measured, the ratios to the baseline.
    static func summary(raw: [Double], baseline: [Double], pipeline: [Double]) -> String {
        let median = LiveBenchReport.median
        var lines = [String(format: "median: KafkaConsumer %.0f records/s", median(raw))]
        if !baseline.isEmpty {
            lines.append(String(format: "median: confluent-kafka %.0f records/s", median(baseline)))
        }
        if !pipeline.isEmpty { lines.append(String(format: "median: pipeline %.0f events/s", median(pipeline))) }
        if !baseline.isEmpty, median(baseline) > 0 {
            lines.append(String(format: "KafkaConsumer / confluent-kafka: %.2f", median(raw) / median(baseline)))
            if !pipeline.isEmpty {
                lines.append(String(format: "pipeline / confluent-kafka: %.2f", median(pipeline) / median(baseline)))
            }
        }
        return lines.joined(separator: "\n")
    }

    #if canImport(FlywheelKafka)
        struct RawRead {
            var records: Int
            var rate: Double
            var text: String
        }

        static func measure(_ configuration: KafkaConfiguration, topic: String, batch: Int) throws -> RawRead {
            let consumer = try KafkaConsumer(configuration)
            defer { consumer.close() }
            guard let metadata = try consumer.metadata(timeout: .seconds(15)).first(where: { $0.name == topic }) else {
                throw KafkaError(.unknownTopic, "topic '\(topic)' does not exist on \(configuration.bootstrap)")
            }
            try consumer.assign(
                (0..<Int32(metadata.partitionCount)).map {
                    KafkaTopicPartition(topic, $0, offset: KafkaOffset.beginning)
                })
            var ended = Set<Int32>()
            var records = 0
            var bytes = 0
            var started: ContinuousClock.Instant?
            while ended.count < metadata.partitionCount {
                let polled = try consumer.poll(maxMessages: batch, timeout: .seconds(30))
                if polled.isEmpty { throw KafkaError(.timedOut, "no record and no partition end within 30 s") }
                if let error = polled.errors.first { throw error }
                if started == nil, !polled.messages.isEmpty { started = .now }
                records += polled.messages.count
                for message in polled.messages { bytes += message.value.count }
                for end in polled.endOfPartition { ended.insert(end.partition) }
            }
            let elapsed = started.map { ContinuousClock.now - $0 } ?? .zero
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = seconds > 0 ? Double(records) / seconds : 0
            let text =
                "read \(records) records (\(bytes) bytes) from \(metadata.partitionCount) partitions in "
                + String(format: "%.2f", seconds) + " s (\(Int(rate)) records/s, librdkafka \(Librdkafka.version))"
            return RawRead(records: records, rate: rate, text: text)
        }
    #endif
}
