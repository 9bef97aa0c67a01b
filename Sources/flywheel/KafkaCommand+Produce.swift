import ArgumentParser
import FlywheelSignals
import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka
#endif

struct KafkaProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Load a JSONL log into a Kafka topic, one record per line (for backfills and tests).",
        discussion: """
            Every non-empty line is one record, its bytes unchanged, so the topic holds exactly the events of the \
            file (a pipeline reading it sees what a replay of the file sees). With --key-field, the record key is \
            that top-level JSON field (a string, an integer or a boolean) and librdkafka's partitioner keeps one \
            key in one partition, in order. A line that is not a JSON object, or lacks the field, is still \
            produced, without a key, and reported on standard error with its line number (the pipeline sends it \
            to its dead letters, as a replay does). Empty lines are counted and not produced.

            The producer is idempotent (retries neither duplicate nor reorder records). The command waits until \
            every record is acknowledged: a record that cannot be delivered within --delivery-timeout fails the \
            command (exit 1) with the number of records lost and the first reason. Progress goes to standard \
            error, the counts to standard output.

            Examples:
              flywheel generate --conversations 10000 --out events.jsonl
              flywheel kafka produce events.jsonl --bootstrap localhost:9092 \\
                --topic events --key-field conversation_id --partitions 4
              zcat old.jsonl.gz | flywheel kafka produce - --bootstrap broker:9093 \\
                --topic events --property security.protocol=SSL
            """)

    @Argument(help: ArgumentHelp("The JSONL file to load ('-' for standard input).", valueName: "file"))
    var file: String

    @OptionGroup var cluster: KafkaClusterOptions

    @Option(help: "The topic to write to.")
    var topic: String

    @Option(help: "Top-level JSON field whose value is the record key, e.g. conversation_id.")
    var keyField: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Create the topic with this many partitions when it does not exist (without it, a missing topic is an "
                + "error)."))
    var partitions: Int?

    @Option(parsing: .unconditional, help: "Copies of each partition when the topic is created.")
    var replicationFactor: Int = 1

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "How long a record may wait for its acknowledgement before it counts as failed (librdkafka's "
                + "message.timeout.ms), e.g. 30s, 2m.", valueName: "duration"))
    var deliveryTimeout: String = "60s"

    func validate() throws {
        if let partitions, !(1...100_000).contains(partitions) {
            throw ValidationError("--partitions must be between 1 and 100000, got \(partitions)")
        }
        if replicationFactor < 1 { throw ValidationError("--replication-factor must be at least 1") }
        if topic.isEmpty { throw ValidationError("--topic must not be empty") }
        if let keyField, keyField.isEmpty { throw ValidationError("--key-field must not be empty") }
        _ = try deliveryTimeoutMillis()
    }

    func deliveryTimeoutMillis() throws -> Int64 {
        guard let millis = parseDuration(deliveryTimeout), millis >= 1, millis <= 2_147_483_647 else {
            throw ValidationError("--delivery-timeout: bad duration '\(deliveryTimeout)': use e.g. 30s, 2m")
        }
        return millis
    }

    func run() async throws {
        #if canImport(FlywheelKafka)
            var properties = ["message.timeout.ms": String(try deliveryTimeoutMillis())]
            properties.merge(try cluster.parsedProperties()) { _, set in set }
            let job = KafkaProduceJob(
                path: file, topic: topic, keyField: keyField, partitions: partitions,
                replicationFactor: replicationFactor,
                configuration: KafkaConfiguration(bootstrap: cluster.bootstrap, properties),
                deliveryTimeout: .milliseconds(try deliveryTimeoutMillis()))
            let summary = try KafkaErrors.run { try job.run() }
            print(summary)
        #else
            throw KafkaSupport.unavailable()
        #endif
    }
}
