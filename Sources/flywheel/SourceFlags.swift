import ArgumentParser
import FlywheelSignals

/// `--source` and its companions: the source of a live run given on the command line instead of the
/// pipeline file's `sources:` (a Kafka topic or an embedded-log topic).
struct SourceFlags: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A source from the command line: kafka://HOST:PORT[,HOST:PORT...]/TOPIC, or topic:NAME (an embedded-log "
                + "topic in --data). run reads it instead of the pipeline's sources (its id in checkpoints: events); "
                + "serve reads it next to them, or next to the ingest topic (id: source).",
            valueName: "uri"))
    var source: String?

    @Option(help: "With kafka://: the consumer group the offsets are committed to after each checkpoint.")
    var group: String = "flywheel"

    @Option(
        help: ArgumentHelp(
            "Where a partition starts without a checkpoint (and, with kafka://, without a group commit).",
            valueName: "earliest|latest"))
    var start: String = "earliest"

    @Option(
        name: .customLong("source-property"),
        help: ArgumentHelp(
            "With kafka://: a librdkafka consumer property, e.g. security.protocol=SSL (repeatable).",
            valueName: "name=value"))
    var properties: [String] = []

    /// The source the flags describe, named `name`, or nil without `--source`.
    func spec(name: String = "events") throws -> PipelineConfig.SourceSpec? {
        guard let source else {
            if !properties.isEmpty { throw ValidationError("--source-property needs --source kafka://...") }
            return nil
        }
        guard let start = PipelineConfig.SourceSpec.TopicStart(rawValue: self.start) else {
            throw ValidationError("--start must be earliest or latest, got '\(self.start)'")
        }
        if source.hasPrefix("topic:"), source.count > "topic:".count {
            guard properties.isEmpty else {
                throw ValidationError("--source-property applies to kafka:// sources only")
            }
            return PipelineConfig.SourceSpec(
                name: "events", kind: .topic(name: String(source.dropFirst(6)), start: start))
        }
        guard source.hasPrefix("kafka://") else {
            throw ValidationError(
                "--source must be kafka://HOST:PORT[,HOST:PORT...]/TOPIC or topic:NAME, got '\(source)'")
        }
        guard !group.isEmpty else { throw ValidationError("--group must not be empty") }
        let kafka = try Self.kafka(
            source, flag: "--source", group: group, start: start,
            properties: try Self.properties(properties, flag: "--source-property"))
        return PipelineConfig.SourceSpec(name: name, kind: .kafka(kafka))
    }

    /// The kafka source `kafka://HOST:PORT[,HOST:PORT...]/TOPIC` names (one cluster, `default`); errors name `flag`.
    static func kafka(
        _ uri: String, flag: String, group: String, start: PipelineConfig.SourceSpec.TopicStart,
        properties: [KafkaSourceSpec.Property]
    ) throws -> KafkaSourceSpec {
        let (bootstrap, topic) = try kafkaAddress(uri, flag: flag)
        return KafkaSourceSpec(
            topic: topic, group: group,
            clusters: [KafkaSourceSpec.Cluster(name: KafkaSourceSpec.defaultClusterName, bootstrap: bootstrap)],
            start: start, properties: properties)
    }

    /// The brokers and the topic of `kafka://HOST:PORT[,HOST:PORT...]/TOPIC`; errors name `flag`.
    static func kafkaAddress(_ uri: String, flag: String) throws -> (bootstrap: String, topic: String) {
        let rest = uri.dropFirst("kafka://".count)
        guard let slash = rest.firstIndex(of: "/"), rest.index(after: slash) != rest.endIndex else {
            throw ValidationError(
                "\(flag) kafka:// needs a topic after the brokers: kafka://HOST:PORT/TOPIC, got '\(uri)'")
        }
        let bootstrap = String(rest[..<slash])
        for host in bootstrap.split(separator: ",", omittingEmptySubsequences: false)
        where host.isEmpty || !host.contains(":") || host.hasSuffix(":") {
            throw ValidationError(
                "\(flag) kafka://: expected HOST:PORT[,HOST:PORT...] before the topic, got '\(bootstrap)'")
        }
        return (bootstrap, String(rest[rest.index(after: slash)...]))
    }

    /// `NAME=VALUE` librdkafka consumer properties; the ones a kafka source sets itself are refused.
    static func properties(_ items: [String], flag: String) throws -> [KafkaSourceSpec.Property] {
        try items.map { item in
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("\(flag): expected NAME=VALUE (e.g. fetch.min.bytes=1), got '\(item)'")
            }
            let name = String(item[..<equals])
            guard !KafkaSourceSpec.managedProperties.contains(name) else {
                throw ValidationError("\(flag) \(name) is set by the source itself")
            }
            return KafkaSourceSpec.Property(name, String(item[item.index(after: equals)...]))
        }
    }
}
