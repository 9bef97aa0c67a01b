import Yams

extension PipelineConfig {
    /// The keys each sink kind accepts, `kind` first.
    static let sinkKeys: KeyedKinds = [
        ("folder", ["kind", "path", "roll_bytes", "roll_age", "kinds", "linger"]),
        ("topic", ["kind", "topic", "prefix", "kinds", "linger"]),
        ("stdout", ["kind", "kinds", "linger"]),
        ("forward", forwardKeys),
        ("kafka", kafkaKeys),
    ]
    /// Keys accepted under `checkpoint`.
    static let checkpointKeys = ["interval"]
    /// Least `roll_bytes` of a folder sink.
    static let minRollBytes: Int64 = 1_024

    /// Parses `sinks:`: a mapping from name to `{ kind: folder | topic | stdout | forward | kafka, ... }`. A null value is
    /// as if the key were absent; an empty mapping is an error.
    static func parseSinks(_ section: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> [SinkSpec] {
        var sinks: [SinkSpec] = []
        for entry in try namedEntries(section, reader: reader, what: "sink") {
            let (kind, fields) = try kindFields(entry, reader: reader, what: "sink", kinds: sinkKeys)
            var sink = SinkSpec(name: entry.key, kind: .stdout, line: entry.keyNode.mark?.line ?? 0)
            for field in fields where field.key == "kinds" || field.key == "linger" {
                if field.key == "kinds" {
                    sink.kinds = try recordKinds(field, reader: reader)
                } else {
                    sink.lingerMs = try reader.positiveDuration(field)
                }
            }
            let targetFields = fields.filter { $0.key != "kinds" && $0.key != "linger" }
            switch kind {
            case "folder": sink.kind = try folder(entry, targetFields, reader: reader)
            case "topic": sink.kind = .topic(try topicTarget(entry, targetFields, for: sink, reader: reader))
            case "forward": sink.kind = .forward(try forward(entry, targetFields, reader: reader))
            case "kafka": sink.kind = .kafka(try kafka(entry, targetFields, for: sink, reader: reader))
            default: sink.kind = .stdout
            }
            sinks.append(sink)
        }
        return sinks
    }

    private static func folder(
        _ entry: YAMLEntry, _ fields: [YAMLEntry], reader: YAMLNodeReader
    ) throws(PipelineError) -> SinkSpec.Kind {
        var path: String?
        var rollBytes = SinkSpec.defaultRollBytes
        var rollAgeMs = SinkSpec.defaultRollAgeMs
        for field in fields {
            switch field.key {
            case "path": path = try reader.string(field)
            case "roll_bytes":
                rollBytes = Int64(try reader.byteCount(field))
                guard rollBytes >= minRollBytes else {
                    let message = "must be at least 1KiB, got \(formatSize(Int(rollBytes)))"
                    throw reader.failure(.badValue, message, node: field.value, key: field.path)
                }
            case "roll_age": rollAgeMs = try reader.positiveDuration(field)
            default: break  // kindFields admits only sinkKeys
            }
        }
        guard let path else {
            throw missing("path", example: "{ kind: folder, path: signals }", in: entry, reader: reader)
        }
        return .folder(path: path, rollBytes: rollBytes, rollAgeMs: rollAgeMs)
    }

    /// `topic: NAME` or `prefix: TEXT`, exactly one; with a prefix, every topic name it gives must be valid.
    static func topicTarget(
        _ entry: YAMLEntry, _ fields: [YAMLEntry], for sink: SinkSpec, reader: YAMLNodeReader
    ) throws(PipelineError) -> SinkSpec.TopicTarget {
        let oneOf = "write either topic: NAME (one topic for every kind) or prefix: TEXT (a topic per kind)"
        guard fields.count == 1, let field = fields.first else {
            let culprit = fields.last.map { ($0.keyNode, $0.path) } ?? (entry.keyNode, entry.path)
            let message = (fields.isEmpty ? "missing topic: " : "topic and prefix together: ") + oneOf
            throw reader.failure(.badValue, message, node: culprit.0, key: culprit.1)
        }
        if field.key == "topic" { return .single(try topicName(field, reader: reader)) }
        let prefix = try reader.string(field)
        for kind in sink.orderedKinds where !isValidTopicName(prefix + kind.name) {
            let message = "prefix \"\(prefix)\" gives the bad topic name \"\(prefix + kind.name)\": \(topicNameRule)"
            throw reader.failure(.badValue, message, node: field.value, key: field.path)
        }
        return .perKind(prefix: prefix)
    }

    /// A list of distinct record kind names, e.g. `[quality_alert, dead_letter]`.
    private static func recordKinds(_ entry: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> Set<RecordKind>
    {
        let valid = RecordKind.allCases.map(\.name).joined(separator: ", ")
        guard let items = entry.value.sequence else {
            let message = "expected a list of record kinds, e.g. [quality_alert, dead_letter]; valid kinds: \(valid)"
            throw reader.failure(.badType, message, node: entry.value, key: entry.path)
        }
        guard !items.isEmpty else {
            let message = "empty list: name at least one kind, or remove kinds to take every kind"
            throw reader.failure(.badValue, message, node: entry.value, key: entry.path)
        }
        var kinds: Set<RecordKind> = []
        for (index, item) in items.enumerated() {
            let itemEntry = YAMLEntry(key: entry.key, path: "\(entry.path)[\(index)]", keyNode: item, value: item)
            let name = try reader.string(itemEntry)
            guard let kind = RecordKind(signalName: name) else {
                let message = "unknown record kind \"\(name)\"; valid kinds: \(valid)"
                throw reader.failure(.badValue, message, node: item, key: itemEntry.path)
            }
            guard kinds.insert(kind).inserted else {
                let message = "\"\(name)\" is listed twice; list each kind once"
                throw reader.failure(.badValue, message, node: item, key: itemEntry.path)
            }
        }
        return kinds
    }

    /// Parses `checkpoint:`; a null value keeps the defaults.
    static func parseCheckpoint(_ section: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> Checkpointing {
        var checkpoint = Checkpointing()
        for entry in try reader.entries(of: section.value, path: section.path, allowed: checkpointKeys) {
            checkpoint.intervalMs = try reader.positiveDuration(entry)
        }
        return checkpoint
    }

    /// Sources and sinks share one namespace of names (both key state in checkpoints).
    static func checkDistinctNames(_ config: PipelineConfig, reader: YAMLNodeReader) throws(PipelineError) {
        for sink in config.sinks {
            guard let source = config.sources.first(where: { $0.name == sink.name }) else { continue }
            let message =
                "\"\(sink.name)\" already names the source on line \(source.line): sources and sinks need "
                + "distinct names, rename one"
            throw PipelineError(
                code: .badValue, message: message, file: reader.file, line: sink.line,
                key: "sinks." + sink.name)
        }
    }
}
