/// A `kind: kafka` source: one logical topic, read from one cluster (`bootstrap:`) or from an HA group of
/// clusters that carry the same events (`clusters:`), whose copies the pipeline's de-dup by `event_id`
/// counts once.
///
/// Pure data: FlywheelKafka's `KafkaSource` reads it. `properties` go to librdkafka as they are (SASL, TLS,
/// timeouts); the keys the source manages itself are refused (`managedProperties`).
public struct KafkaSourceSpec: Sendable, Equatable {
    /// One cluster of the group; `name` names its partitions (`kafka:NAME/topic/3`) and their offsets in
    /// checkpoints.
    public struct Cluster: Sendable, Equatable {
        public var name: String
        /// `host:port[,host:port...]`.
        public var bootstrap: String

        public init(name: String, bootstrap: String) {
            self.name = name
            self.bootstrap = bootstrap
        }
    }

    /// One librdkafka property, in file order.
    public struct Property: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The cluster name of the `bootstrap:` form.
    public static let defaultClusterName = "default"
    /// Properties the source sets itself: `bootstrap`, `group` and the commit-after-checkpoint rule.
    public static let managedProperties = ["bootstrap.servers", "group.id", "enable.auto.commit"]

    public var topic: String
    /// The consumer group offsets are committed for (after each checkpoint, for lag monitoring) and read
    /// from on a first start.
    public var group: String
    /// At least one; names are distinct.
    public var clusters: [Cluster]
    public var start: PipelineConfig.SourceSpec.TopicStart
    public var properties: [Property]

    public init(
        topic: String, group: String, clusters: [Cluster], start: PipelineConfig.SourceSpec.TopicStart = .earliest,
        properties: [Property] = []
    ) {
        self.topic = topic
        self.group = group
        self.clusters = clusters
        self.start = start
        self.properties = properties
    }

    /// The `bootstrap:` form: one cluster named `default`.
    public init(
        topic: String, group: String, bootstrap: String, start: PipelineConfig.SourceSpec.TopicStart = .earliest,
        properties: [Property] = []
    ) {
        self.init(
            topic: topic, group: group, clusters: [Cluster(name: Self.defaultClusterName, bootstrap: bootstrap)],
            start: start, properties: properties)
    }

    /// Whether the spec is written with `bootstrap:` (one cluster named `default`).
    public var isSingleBootstrap: Bool { clusters.count == 1 && clusters[0].name == Self.defaultClusterName }

    /// What every property value renders as (names are shown, values never).
    public static let hiddenValue = "(hidden)"

    /// Why `topic` cannot name a Kafka topic, or nil when it can.
    public static func topicProblem(_ topic: String) -> String? {
        let valid = topic.utf8.allSatisfy { isNameByte($0) || $0 == UInt8(ascii: ".") }
        guard !topic.isEmpty, topic.utf8.count <= 249, valid, topic != ".", topic != ".." else {
            return "a Kafka topic name is 1 to 249 of A-Z a-z 0-9 . _ - (and not . or ..)"
        }
        return nil
    }

    /// Why `name` cannot name a cluster, or nil when it can.
    public static func clusterNameProblem(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= 64, name.utf8.allSatisfy(isNameByte) else {
            return "a cluster name is 1 to 64 of A-Z a-z 0-9 _ -, e.g. east"
        }
        return nil
    }

    /// Why `bootstrap` is not `host:port[,host:port...]`, or nil when it is.
    public static func bootstrapProblem(_ bootstrap: String) -> String? {
        let example = "write host:port[,host:port...], e.g. 127.0.0.1:9092,kafka-2:9092"
        for server in bootstrap.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = server.trimmingSpaces()
            guard let colon = parts.lastIndex(of: ":"), colon != parts.startIndex else {
                return "\"\(parts)\" has no host:port; \(example)"
            }
            guard let port = Int(parts[parts.index(after: colon)...]), (1...65_535).contains(port) else {
                return "\"\(parts)\" has no port from 1 to 65535; \(example)"
            }
            guard !parts.contains(where: { $0 == " " || $0 == "/" }) else {
                return "\"\(parts)\" is not host:port (no scheme, path or spaces); \(example)"
            }
        }
        return nil
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
