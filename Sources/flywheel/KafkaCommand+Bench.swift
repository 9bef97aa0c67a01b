import ArgumentParser
import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka
#endif

struct KafkaBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure how fast the Kafka consumer reads a topic (raw poll rate, no pipeline).",
        discussion: """
            Reads every partition of the topic from its beginning to the end it had when the command started \
            (partition ends as librdkafka reports them), with batched polls, and prints records, bytes, seconds \
            and records/s. Nothing is committed. Compare with another client on the same broker and topic, in the \
            same run (see "Kafka" in README.md).

            Example:
              flywheel kafka bench --bootstrap localhost:9092 --topic events
            """)

    @OptionGroup var cluster: KafkaClusterOptions

    @Option(help: "The topic to read.")
    var topic: String

    @Option(parsing: .unconditional, help: "Records asked for per poll.")
    var batch: Int = 10_000

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
    }

    func run() async throws {
        #if canImport(FlywheelKafka)
            var properties = ["enable.partition.eof": "true"]
            properties.merge(try cluster.parsedProperties()) { _, set in set }
            let configuration = KafkaConfiguration(bootstrap: cluster.bootstrap, properties)
            let line = try KafkaErrors.run { try Self.measure(configuration, topic: topic, batch: batch) }
            print(line)
        #else
            throw KafkaSupport.unavailable()
        #endif
    }

    #if canImport(FlywheelKafka)
        static func measure(_ configuration: KafkaConfiguration, topic: String, batch: Int) throws -> String {
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
            let rate = seconds > 0 ? Int(Double(records) / seconds) : 0
            return "read \(records) records (\(bytes) bytes) from \(metadata.partitionCount) partitions in "
                + String(format: "%.2f", seconds) + " s (\(rate) records/s, librdkafka \(Librdkafka.version))"
        }
    #endif
}
