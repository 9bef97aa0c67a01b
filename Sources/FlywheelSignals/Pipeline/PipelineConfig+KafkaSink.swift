import Yams

extension PipelineConfig {
    /// The keys of a kafka sink, `kind` first (`kinds` and `linger` are every sink's).
    static let kafkaKeys = ["kind", "bootstrap", "topic", "prefix", "properties", "exactly_once", "kinds", "linger"]

    /// A `kind: kafka` sink from its fields other than `kind`, `kinds` and `linger`.
    static func kafka(
        _ entry: YAMLEntry, _ fields: [YAMLEntry], for sink: SinkSpec, reader: YAMLNodeReader
    ) throws(PipelineError) -> KafkaSinkSpec {
        guard let bootstrapField = fields.first(where: { $0.key == "bootstrap" }) else {
            let example = "{ kind: kafka, bootstrap: 127.0.0.1:9092, prefix: signals. }"
            throw missing("bootstrap", example: example, in: entry, reader: reader)
        }
        let bootstrap = try reader.string(bootstrapField)
        if let problem = KafkaSinkSpec.bootstrapProblem(bootstrap) {
            throw reader.failure(.badValue, problem, node: bootstrapField.value, key: bootstrapField.path)
        }
        let topicFields = fields.filter { $0.key == "topic" || $0.key == "prefix" }
        var spec = KafkaSinkSpec(
            bootstrap: bootstrap, topics: try topicTarget(entry, topicFields, for: sink, reader: reader))
        for field in fields {
            switch field.key {
            case "properties": spec.properties = try kafkaProperties(field, reader: reader)
            case "exactly_once": spec.exactlyOnce = try flag(field, reader: reader)
            default: break  // bootstrap, topic and prefix are read above; kindFields admits only kafkaKeys
            }
        }
        return spec
    }

    /// `properties: { NAME: VALUE, ... }`: librdkafka properties, values as text; a null value is as if the
    /// key were absent. Properties the sink sets itself are refused with the key that sets them.
    private static func kafkaProperties(
        _ field: YAMLEntry, reader: YAMLNodeReader
    ) throws(PipelineError) -> [String: String] {
        var properties: [String: String] = [:]
        for entry in try reader.entries(of: field.value, path: field.path, allowed: nil) {
            if let reason = KafkaSinkSpec.reservedProperties[entry.key] {
                let message = "\"\(entry.key)\" is set by the sink: \(reason)"
                throw reader.failure(.badValue, message, node: entry.keyNode, key: entry.path)
            }
            let expected = "a librdkafka property value, e.g. SASL_SSL or 5000 (see librdkafka's CONFIGURATION.md)"
            let value = try reader.scalarText(entry, expected: expected)
            guard !value.isEmpty else {
                throw reader.failure(.badValue, "must not be empty", node: entry.value, key: entry.path)
            }
            properties[entry.key] = value
        }
        return properties
    }

    /// An exactly-once kafka sink needs the pipeline's `name:`, which its `transactional.id` is made of: a
    /// producer restarted with the same id fences the open transaction of the one before.
    static func checkTransactionalSinks(_ config: PipelineConfig, reader: YAMLNodeReader) throws(PipelineError) {
        guard config.name == nil else { return }
        for sink in config.sinks {
            guard case .kafka(let spec) = sink.kind, spec.exactlyOnce else { continue }
            let message =
                "exactly_once: true needs the pipeline's top-level name: (the transactional.id is "
                + "<name>.\(sink.name)); add e.g. name: feedback"
            throw PipelineError(
                code: .badValue, message: message, file: reader.file, line: sink.line,
                key: "sinks.\(sink.name).exactly_once")
        }
    }

    /// A kafka sink's keys other than `kind`, `kinds` and `linger`. Property values are never rendered (they
    /// may be secrets): each is written as `(hidden)`.
    func renderedFields(of spec: KafkaSinkSpec) -> [String] {
        var fields = ["bootstrap: \(yamlQuoted(spec.bootstrap))"]
        switch spec.topics {
        case .single(let name): fields.append("topic: \(yamlQuoted(name))")
        case .perKind(let prefix): fields.append("prefix: \(yamlQuoted(prefix))")
        }
        if !spec.properties.isEmpty {
            let names = spec.properties.keys.sorted().map { "\(yamlQuoted($0)): \(yamlQuoted(Self.hiddenValue))" }
            fields.append("properties: { \(names.joined(separator: ", ")) }")
        }
        fields.append("exactly_once: \(spec.exactlyOnce)")
        return fields
    }

    /// What a rendered pipeline shows in place of a kafka property value.
    public static let hiddenValue = "(hidden)"
}
