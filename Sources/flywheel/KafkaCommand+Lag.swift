import ArgumentParser
import FlywheelSignals
import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka
#endif

struct KafkaLagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lag",
        abstract: "Show a consumer group's committed offset, end offset and lag per partition, and the totals.",
        discussion: """
            Lag is the end offset (the next offset to be written) minus the group's committed offset (the next \
            offset it will read): the records written but not yet processed and committed. Flywheel commits a \
            Kafka source's offsets after each completed checkpoint, so lag 0 on every partition means a cluster \
            is drained (see "Moving to another cluster" in README.md). Without --topic, every topic the group \
            committed offsets for is shown; with --topic, every partition of those topics, '-' where the group \
            committed nothing. The command only reads: it does not join the group.

            Examples:
              flywheel kafka lag --bootstrap localhost:9092 --group flywheel
              flywheel kafka lag --bootstrap localhost:9092 --group flywheel \\
                --topic events --json
            """)

    @OptionGroup var cluster: KafkaClusterOptions

    @Option(help: "The consumer group (group.id).")
    var group: String

    @Option(help: "Show these topics only (repeatable).")
    var topic: [String] = []

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("How long to wait for each answer of the cluster, e.g. 10s.", valueName: "duration"))
    var timeout: String = "15s"

    func validate() throws {
        if group.isEmpty { throw ValidationError("--group must not be empty") }
        _ = try timeoutMillis()
    }

    func timeoutMillis() throws -> Int64 {
        guard let millis = parseDuration(timeout), millis >= 1 else {
            throw ValidationError("--timeout: bad duration '\(timeout)': use e.g. 10s")
        }
        return millis
    }

    func run() async throws {
        #if canImport(FlywheelKafka)
            var properties = try cluster.parsedProperties()
            properties["group.id"] = group
            let query = KafkaLagQuery(
                configuration: KafkaConfiguration(bootstrap: cluster.bootstrap, properties), group: group,
                topics: topic, timeout: .milliseconds(try timeoutMillis()))
            let report = try KafkaErrors.run { try query.run() }
            print(json ? report.json() : report.table())
        #else
            throw KafkaSupport.unavailable()
        #endif
    }
}
