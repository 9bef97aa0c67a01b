import Yams

extension PipelineConfig {
    /// The keys of a kafka source, `kind` first.
    static let kafkaSourceKeys = ["kind", "topic", "group", "bootstrap", "clusters", "start", "properties"]

    /// A `kind: kafka` source from its fields other than `kind`: `topic`, `group`, exactly one of
    /// `bootstrap` and `clusters`, optional `start` and `properties`.
    static func kafkaSource(
        _ entry: YAMLEntry, _ fields: [YAMLEntry], reader: YAMLNodeReader
    ) throws(PipelineError) -> KafkaSourceSpec {
        var topic: String?
        var group: String?
        var clusters: [KafkaSourceSpec.Cluster]?
        var start = SourceSpec.TopicStart.earliest
        var properties: [KafkaSourceSpec.Property] = []
        var bootstrapField: YAMLEntry?
        for field in fields {
            switch field.key {
            case "topic":
                topic = try reader.string(field)
                if let problem = KafkaSourceSpec.topicProblem(topic!) {
                    throw reader.failure(
                        .badValue, "bad topic name \"\(topic!)\": \(problem)", node: field.value, key: field.path)
                }
            case "group": group = try reader.string(field)
            case "bootstrap":
                clusters = [
                    KafkaSourceSpec.Cluster(
                        name: KafkaSourceSpec.defaultClusterName, bootstrap: try bootstrap(field, reader: reader))
                ]
                bootstrapField = field
            case "clusters":
                if let bootstrapField {
                    throw both(bootstrapField, field, reader: reader)
                }
                clusters = try kafkaClusters(field, reader: reader)
            case "start": start = try topicStart(field, reader: reader)
            case "properties": properties = try kafkaProperties(field, reader: reader)
            default: break  // kindFields admits only kafkaSourceKeys
            }
        }
        if let bootstrapField, let clustersField = fields.first(where: { $0.key == "clusters" }) {
            throw both(bootstrapField, clustersField, reader: reader)
        }
        guard let topic else {
            throw missing(
                "topic", example: "{ kind: kafka, topic: events, group: flywheel, bootstrap: 127.0.0.1:9092 }",
                in: entry, reader: reader)
        }
        guard let group else {
            throw missing(
                "group", example: "group: flywheel (offsets are committed for it after each checkpoint)", in: entry,
                reader: reader)
        }
        guard let clusters else {
            let message =
                "missing bootstrap or clusters: write e.g. bootstrap: 127.0.0.1:9092, or "
                + "clusters: [{ name: east, bootstrap: east-1:9092 }, { name: west, bootstrap: west-1:9092 }]"
            throw reader.failure(.badValue, message, node: entry.keyNode, key: entry.path)
        }
        return KafkaSourceSpec(topic: topic, group: group, clusters: clusters, start: start, properties: properties)
    }

    private static func both(_ first: YAMLEntry, _ second: YAMLEntry, reader: YAMLNodeReader) -> PipelineError {
        let later = (second.keyNode.mark?.line ?? 0) >= (first.keyNode.mark?.line ?? 0) ? second : first
        let message = "write either bootstrap (one cluster) or clusters (an HA group), not both"
        return reader.failure(.badValue, message, node: later.keyNode, key: later.path)
    }

    private static func bootstrap(_ field: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> String {
        let text = try reader.string(field)
        if let problem = KafkaSourceSpec.bootstrapProblem(text) {
            throw reader.failure(.badValue, problem, node: field.value, key: field.path)
        }
        return text
    }

    /// `clusters: [{ name: a, bootstrap: host:port }, ...]`: at least one, names distinct.
    private static func kafkaClusters(
        _ field: YAMLEntry, reader: YAMLNodeReader
    ) throws(PipelineError) -> [KafkaSourceSpec.Cluster] {
        let example = "e.g. [{ name: east, bootstrap: east-1:9092 }, { name: west, bootstrap: west-1:9092 }]"
        guard let items = field.value.sequence else {
            throw reader.failure(
                .badType, "expected a list of clusters, \(example)", node: field.value, key: field.path)
        }
        guard !items.isEmpty else {
            throw reader.failure(
                .badValue, "empty list: name at least one cluster, \(example)", node: field.value, key: field.path)
        }
        var clusters: [KafkaSourceSpec.Cluster] = []
        for (index, item) in items.enumerated() {
            let path = "\(field.path)[\(index)]"
            let itemEntry = YAMLEntry(key: field.key, path: path, keyNode: item, value: item)
            var name: String?
            var servers: String?
            for entry in try reader.entries(of: item, path: path, allowed: ["name", "bootstrap"]) {
                if entry.key == "bootstrap" {
                    servers = try bootstrap(entry, reader: reader)
                    continue
                }
                let text = try reader.string(entry)
                if let problem = KafkaSourceSpec.clusterNameProblem(text) {
                    throw reader.failure(
                        .badValue, "bad cluster name \"\(text)\": \(problem)", node: entry.value, key: entry.path)
                }
                if clusters.contains(where: { $0.name == text }) {
                    let message = "cluster \"\(text)\" is named twice: give each cluster its own name"
                    throw reader.failure(.badValue, message, node: entry.value, key: entry.path)
                }
                name = text
            }
            guard let name else {
                throw missing("name", example: "{ name: east, bootstrap: east-1:9092 }", in: itemEntry, reader: reader)
            }
            guard let servers else {
                throw missing(
                    "bootstrap", example: "{ name: \(name), bootstrap: host:9092 }", in: itemEntry, reader: reader)
            }
            clusters.append(KafkaSourceSpec.Cluster(name: name, bootstrap: servers))
        }
        return clusters
    }

    /// `properties: { name: value, ... }` in file order; values are scalars, kept as text.
    private static func kafkaProperties(
        _ field: YAMLEntry, reader: YAMLNodeReader
    ) throws(PipelineError) -> [KafkaSourceSpec.Property] {
        var properties: [KafkaSourceSpec.Property] = []
        for entry in try reader.entries(of: field.value, path: field.path, allowed: nil) {
            if KafkaSourceSpec.managedProperties.contains(entry.key) {
                let message =
                    "\(entry.key) is set by the source (bootstrap/clusters, group, and commits after each "
                    + "checkpoint): remove it from properties"
                throw reader.failure(.badValue, message, node: entry.keyNode, key: entry.path)
            }
            let value = try reader.scalarText(entry, expected: "a property value such as SASL_SSL or 30000")
            properties.append(KafkaSourceSpec.Property(entry.key, value))
        }
        return properties
    }
}
