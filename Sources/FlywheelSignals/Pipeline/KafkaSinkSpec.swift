/// A `kafka` sink: the cluster, the topics and the delivery mode of records written to Kafka.
///
/// Pure configuration: FlywheelKafka writes; the pipeline parser fills it in. Property values may hold
/// secrets (`sasl.password`): `summary` and the rendered pipeline show property names only.
public struct KafkaSinkSpec: Sendable, Equatable {
    /// `host:port[,host:port...]`: librdkafka's `bootstrap.servers`.
    public var bootstrap: String
    /// One topic for every kind, or a topic per kind (`prefix` + kind name).
    public var topics: PipelineConfig.SinkSpec.TopicTarget
    /// librdkafka properties (SASL, TLS, client settings), passed as they are.
    public var properties: [String: String]
    /// Kafka transactions committed with checkpoints (readers use `isolation.level=read_committed`);
    /// false: at-least-once delivery with an idempotent producer.
    public var exactlyOnce: Bool

    public init(
        bootstrap: String, topics: PipelineConfig.SinkSpec.TopicTarget, properties: [String: String] = [:],
        exactlyOnce: Bool = false
    ) {
        self.bootstrap = bootstrap
        self.topics = topics
        self.properties = properties
        self.exactlyOnce = exactlyOnce
    }

    /// Properties the sink sets itself, with the key or reason that sets them.
    public static let reservedProperties: [String: String] = [
        "bootstrap.servers": "write the brokers under bootstrap:",
        "enable.idempotence": "the sink always uses an idempotent producer",
        "transactional.id": "exactly_once: true sets it to <pipeline name>.<sink name>",
    ]

    /// The topic that receives records of `kind`.
    public func topic(for kind: RecordKind) -> String {
        switch topics {
        case .single(let name): name
        case .perKind(let prefix): prefix + kind.name
        }
    }

    /// The `transactional.id` of an exactly-once sink: stable across restarts of the same pipeline and
    /// sink, so that a restarted producer fences its predecessor's open transaction.
    public static func transactionalID(pipeline: String?, sink: String) -> String {
        "\(pipeline ?? "flywheel").\(sink)"
    }

    /// Why `bootstrap` is not a list of `host:port`, or nil when it is.
    public static func bootstrapProblem(_ bootstrap: String) -> String? {
        let example = "write host:port[,host:port...], e.g. 127.0.0.1:9092 or kafka-1:9092,kafka-2:9092"
        for server in bootstrap.split(separator: ",", omittingEmptySubsequences: false) {
            let server = server.trimmingPrefix(" ")
            guard let colon = server.lastIndex(of: ":"), colon != server.startIndex else {
                return "\"\(server)\" has no host:port; \(example)"
            }
            let port = server[server.index(after: colon)...]
            guard let number = Int(port), (1...65_535).contains(number) else {
                return "\"\(server)\" has no port from 1 to 65535; \(example)"
            }
            if server[..<colon].contains(where: { $0 == " " || $0 == "/" }) {
                return "\"\(server)\" is not host:port (no scheme, path or spaces); \(example)"
            }
        }
        return nil
    }

    /// One phrase for people, without property values, e.g. `kafka "127.0.0.1:9092", topics "signals.<kind>",
    /// at least once, properties [security.protocol]`.
    public var summary: String {
        let target =
            switch topics {
            case .single(let name): "topic \"\(name)\""
            case .perKind(let prefix): "topics \"\(prefix)<kind>\""
            }
        var text =
            "kafka \"\(bootstrap)\", \(target), " + (exactlyOnce ? "exactly once (transactions)" : "at least once")
        if !properties.isEmpty {
            text += ", properties [\(properties.keys.sorted().joined(separator: ", "))]"
        }
        return text
    }
}
