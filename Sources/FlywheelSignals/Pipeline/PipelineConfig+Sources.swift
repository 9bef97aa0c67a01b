import Yams

extension PipelineConfig {
    /// The keys each source kind accepts, `kind` first.
    static let sourceKeys: KeyedKinds = [
        ("topic", ["kind", "topic", "start"]), ("file", ["kind", "path", "follow"]), ("kafka", kafkaSourceKeys),
    ]

    /// Kinds and the keys each accepts, in the order messages list them.
    typealias KeyedKinds = [(kind: String, keys: [String])]

    /// Parses `sources:`: a mapping from name to `{ kind: topic | file, ... }`. A null value is as if the key
    /// were absent; an empty mapping is an error.
    static func parseSources(_ section: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> [SourceSpec] {
        var sources: [SourceSpec] = []
        for entry in try namedEntries(section, reader: reader, what: "source") {
            let (kind, fields) = try kindFields(entry, reader: reader, what: "source", kinds: sourceKeys)
            let line = entry.keyNode.mark?.line ?? 0
            switch kind {
            case "topic":
                var topic: String?
                var start = SourceSpec.TopicStart.earliest
                for field in fields {
                    switch field.key {
                    case "topic": topic = try topicName(field, reader: reader)
                    case "start": start = try topicStart(field, reader: reader)
                    default: break  // kindFields admits only sourceKeys
                    }
                }
                guard let topic else {
                    throw missing("topic", example: "{ kind: topic, topic: events }", in: entry, reader: reader)
                }
                sources.append(SourceSpec(name: entry.key, kind: .topic(name: topic, start: start), line: line))
            case "kafka":
                let spec = try kafkaSource(entry, fields, reader: reader)
                sources.append(SourceSpec(name: entry.key, kind: .kafka(spec), line: line))
            default:
                var path: String?
                var follow = false
                for field in fields {
                    switch field.key {
                    case "path": path = try reader.string(field)
                    case "follow": follow = try flag(field, reader: reader)
                    default: break  // kindFields admits only sourceKeys
                    }
                }
                guard let path else {
                    throw missing("path", example: "{ kind: file, path: in.jsonl }", in: entry, reader: reader)
                }
                sources.append(SourceSpec(name: entry.key, kind: .file(path: path, follow: follow), line: line))
            }
        }
        return sources
    }

    static func topicStart(
        _ entry: YAMLEntry, reader: YAMLNodeReader
    ) throws(PipelineError) -> SourceSpec.TopicStart {
        let text = try reader.scalarText(entry, expected: "earliest or latest")
        guard let start = SourceSpec.TopicStart(rawValue: text) else {
            throw reader.failure(
                .badValue, "must be earliest or latest, got \"\(text)\"", node: entry.value, key: entry.path)
        }
        return start
    }

    /// A topic name the embedded log accepts.
    static func topicName(_ entry: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> String {
        let name = try reader.string(entry)
        guard isValidTopicName(name) else {
            let message = "bad topic name \"\(name)\": \(topicNameRule)"
            throw reader.failure(.badValue, message, node: entry.value, key: entry.path)
        }
        return name
    }

    /// The entries of `sources:` or `sinks:`, each with a checked name; at least one unless the value is null.
    static func namedEntries(
        _ section: YAMLEntry, reader: YAMLNodeReader, what: String
    ) throws(PipelineError) -> [YAMLEntry] {
        if reader.isNull(section.value) { return [] }
        let entries = try reader.entries(of: section.value, path: section.path, allowed: nil)
        guard !entries.isEmpty else {
            let message = "no \(what)s: declare at least one \(what) or remove the key"
            throw reader.failure(.badValue, message, node: section.value, key: section.path)
        }
        for entry in entries {
            guard let problem = nameProblem(entry.key) else { continue }
            let message = "bad \(what) name \"\(entry.key)\": \(problem) (the name keys its state in checkpoints)"
            throw reader.failure(.badValue, message, node: entry.keyNode, key: entry.path)
        }
        return entries
    }

    /// Why `name` cannot name a source or sink, or nil when it can.
    private static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "a name must not be empty" }
        if name == "." || name == ".." { return "use a name other than . and .." }
        if name.contains(where: { $0 == "/" || $0.isWhitespace || $0.unicodeScalars.contains(where: isControl) }) {
            return "use a name without /, whitespace or control characters, e.g. events or signals-out"
        }
        return nil
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// The `kind` of one source or sink and its other fields, each checked against the keys of that kind.
    static func kindFields(
        _ entry: YAMLEntry, reader: YAMLNodeReader, what: String, kinds: KeyedKinds
    ) throws(PipelineError) -> (kind: String, fields: [YAMLEntry]) {
        let fields = try reader.entries(of: entry.value, path: entry.path, allowed: nil)
        let kindNames = kinds.map(\.kind).joined(separator: ", ")
        guard let kindEntry = fields.first(where: { $0.key == "kind" }) else {
            let choices = kinds.map { "kind: \($0.kind)" }
            let message = "missing kind: add " + choices.dropLast().joined(separator: ", ") + " or " + choices.last!
            throw reader.failure(.badValue, message, node: entry.keyNode, key: entry.path)
        }
        let kind = try reader.string(kindEntry)
        guard let keys = kinds.first(where: { $0.kind == kind })?.keys else {
            let message = "unknown \(what) kind \"\(kind)\"; valid kinds: \(kindNames)"
            throw reader.failure(.badValue, message, node: kindEntry.value, key: kindEntry.path)
        }
        for field in fields where !keys.contains(field.key) {
            let valid = "valid keys here: \(keys.joined(separator: ", "))"
            let known = kinds.contains { $0.keys.contains(field.key) }
            let message =
                known
                ? "\"\(field.key)\" does not apply to a \(kind) \(what); \(valid)"
                : "unknown key \"\(field.key)\"; \(valid)"
            throw reader.failure(.unknownKey, message, node: field.keyNode, key: field.path)
        }
        return (kind, fields.filter { $0.key != "kind" })
    }

    /// The error for a required key that `entry` lacks.
    static func missing(
        _ key: String, example: String, in entry: YAMLEntry, reader: YAMLNodeReader
    ) -> PipelineError {
        reader.failure(.badValue, "missing \(key): write e.g. \(example)", node: entry.keyNode, key: entry.path)
    }
}
