import ArgumentParser
import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka
#endif

struct KafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Load a JSONL log into a Kafka topic and show a consumer group's lag.",
        discussion: """
            Talks to any Kafka-protocol broker through librdkafka (Apache Kafka, Redpanda, Tansu, ...). \
            Client settings (TLS, SASL, timeouts) are librdkafka properties, given with --property NAME=VALUE \
            (repeatable; see librdkafka's CONFIGURATION.md). Needs a flywheel built where librdkafka's headers \
            were installed (Debian: apt install librdkafka-dev). See "Kafka" in README.md.

            Examples:
              flywheel generate --conversations 1000 --out events.jsonl
              flywheel kafka produce events.jsonl --bootstrap localhost:9092 \\
                --topic events --key-field conversation_id --partitions 4
              flywheel kafka lag --bootstrap localhost:9092 --group flywheel \\
                --topic events
            """,
        subcommands: [KafkaProduceCommand.self, KafkaLagCommand.self, KafkaBenchCommand.self]
    )
}

/// The options every `flywheel kafka` command takes: where the cluster is and client properties.
struct KafkaClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Brokers to start from: HOST:PORT[,HOST:PORT...].", valueName: "host:port"))
    var bootstrap: String

    @Option(
        name: .customLong("property"),
        help: ArgumentHelp(
            "A librdkafka client property, e.g. security.protocol=SASL_SSL (repeatable; wins over the "
                + "command's defaults).", valueName: "name=value"))
    var properties: [String] = []

    /// `--property` values by name; a value without `=` or with an empty name is an error naming it.
    func parsedProperties() throws -> [String: String] {
        var parsed: [String: String] = [:]
        for item in properties {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("--property: expected NAME=VALUE (e.g. session.timeout.ms=6000), got '\(item)'")
            }
            parsed[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return parsed
    }

    func validate() throws {
        let hosts = bootstrap.split(separator: ",", omittingEmptySubsequences: false)
        for host in hosts where host.isEmpty || !host.contains(":") || host.hasSuffix(":") {
            throw ValidationError("--bootstrap: expected HOST:PORT[,HOST:PORT...], got '\(bootstrap)'")
        }
        _ = try parsedProperties()
    }
}

/// What `flywheel kafka` says when it was built without librdkafka, and its exit.
enum KafkaSupport {
    static let missingMessage =
        "error: this flywheel was built without Kafka support: apt install librdkafka-dev, then rebuild"

    static func unavailable() -> ExitCode {
        FileHandle.standardError.write(Data((missingMessage + "\n").utf8))
        return ExitCode(69)
    }
}

#if canImport(FlywheelKafka)
    /// Prints a `KafkaError` as `error: MESSAGE` and exits 1.
    enum KafkaErrors {
        static func run<T>(_ body: () throws -> T) throws -> T {
            do {
                return try body()
            } catch let error as KafkaError {
                FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
#endif
