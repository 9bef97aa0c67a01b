extension PipelineConfig {
    /// One entry of `sources:`; `name` (the YAML key) is the stable id checkpoints keep its state under.
    ///
    /// Equality ignores `line`: two specs that read the same input are equal wherever they were written.
    public struct SourceSpec: Sendable, Equatable, CustomStringConvertible {
        /// Where a topic source starts when no checkpoint holds its position.
        public enum TopicStart: String, Sendable, Equatable { case earliest, latest }

        /// What the source reads.
        public enum Kind: Sendable, Equatable {
            /// Every partition of an embedded-log topic: `{ kind: topic, topic: events, start: earliest }`.
            case topic(name: String, start: TopicStart)
            /// A file, relative to the run's data folder unless absolute; `follow` tails it across rotation
            /// as `tail -F` does: `{ kind: file, path: in.jsonl, follow: true }`.
            case file(path: String, follow: Bool)
            /// A Kafka topic on one cluster or an HA group of clusters:
            /// `{ kind: kafka, topic: events, group: flywheel, bootstrap: 127.0.0.1:9092 }`.
            case kafka(KafkaSourceSpec)
        }

        public var name: String
        public var kind: Kind
        /// 1-based line of the entry in the pipeline file (0 when built in code).
        public var line: Int

        public init(name: String, kind: Kind, line: Int = 0) {
            self.name = name
            self.kind = kind
            self.line = line
        }

        public static func == (lhs: SourceSpec, rhs: SourceSpec) -> Bool {
            lhs.name == rhs.name && lhs.kind == rhs.kind
        }

        /// One line for people, e.g. `events: topic "events", from the earliest offset`.
        public var description: String {
            switch kind {
            case .topic(let topic, let start):
                "\(name): topic \"\(topic)\", every partition, from the \(start.rawValue) offset"
            case .file(let path, let follow):
                "\(name): file \"\(path)\"" + (follow ? ", followed as it grows and rotates" : ", read once")
            case .kafka(let spec):
                "\(name): kafka topic \"\(spec.topic)\" on "
                    + spec.clusters.map { "\($0.name) (\($0.bootstrap))" }.joined(separator: ", ")
                    + ", group \(spec.group), from the group's offsets else the \(spec.start.rawValue) offset"
            }
        }
    }

    /// One entry of `sinks:`; `name` (the YAML key) is the stable id checkpoints keep its state under.
    ///
    /// Equality ignores `line`: two specs that write the same records the same way are equal wherever they
    /// were written.
    public struct SinkSpec: Sendable, Equatable, CustomStringConvertible {
        /// The topics of a topic sink.
        public enum TopicTarget: Sendable, Equatable {
            /// `topic: alerts`: one topic for every kind, records keyed by kind.
            case single(String)
            /// `prefix: "signals."`: one topic per kind, `signals.model_quality`, `signals.dead_letter`, ...
            case perKind(prefix: String)
        }

        /// What the sink writes to.
        public enum Kind: Sendable, Equatable {
            /// Per-kind JSONL files under `path` (relative to the data folder unless absolute), rolled at
            /// `rollBytes` or `rollAgeMs`, whichever comes first.
            case folder(path: String, rollBytes: Int64, rollAgeMs: Int64)
            /// Embedded-log topics.
            case topic(TopicTarget)
            /// Standard output, one JSON line per record.
            case stdout
            /// An HTTP service, records pushed in JSON Lines requests (FlywheelForward delivers them).
            case forward(ForwardSpec)
            /// Kafka topics (FlywheelKafka writes them).
            case kafka(KafkaSinkSpec)
        }

        /// Default `roll_bytes` of a folder sink: 64 MiB.
        public static let defaultRollBytes: Int64 = 64 << 20
        /// Default `roll_age` of a folder sink: 1 minute.
        public static let defaultRollAgeMs: Int64 = 60_000
        /// Default `linger`: 100 ms.
        public static let defaultLingerMs: Int64 = 100

        public var name: String
        public var kind: Kind
        /// The record kinds the sink takes; nil = every kind (the five signals, dead_letter, late_event). Never
        /// empty when parsed (`kinds: []` is an error), so an empty set does not render back to valid YAML.
        public var kinds: Set<RecordKind>?
        /// How long a released record may wait in the sink's buffer before it is made visible.
        public var lingerMs: Int64
        /// 1-based line of the entry in the pipeline file (0 when built in code).
        public var line: Int

        public init(
            name: String, kind: Kind, kinds: Set<RecordKind>? = nil, lingerMs: Int64 = SinkSpec.defaultLingerMs,
            line: Int = 0
        ) {
            self.name = name
            self.kind = kind
            self.kinds = kinds
            self.lingerMs = lingerMs
            self.line = line
        }

        /// Whether the sink takes records of `kind`.
        public func takes(_ kind: RecordKind) -> Bool { kinds?.contains(kind) ?? true }

        /// The kinds the sink takes, in `RecordKind` order.
        public var orderedKinds: [RecordKind] { RecordKind.allCases.filter(takes) }

        public static func == (lhs: SinkSpec, rhs: SinkSpec) -> Bool {
            lhs.name == rhs.name && lhs.kind == rhs.kind && lhs.kinds == rhs.kinds && lhs.lingerMs == rhs.lingerMs
        }

        /// One line for people, e.g. `alerts: topic "alerts" (records keyed by kind), kinds quality_alert,
        /// linger 100ms`.
        public var description: String {
            let target =
                switch kind {
                case .folder(let path, let rollBytes, let rollAgeMs):
                    "folder \"\(path)\", files roll at \(formatSize(Int(rollBytes))) or \(formatDuration(rollAgeMs))"
                case .topic(.single(let topic)): "topic \"\(topic)\" (records keyed by kind)"
                case .topic(.perKind(let prefix)): "topics \"\(prefix)<kind>\""
                case .stdout: "standard output"
                case .forward(let spec): spec.summary(sinkName: name)
                case .kafka(let spec): spec.summary
                }
            let kindList = kinds == nil ? "every kind" : "kinds " + orderedKinds.map(\.name).joined(separator: ", ")
            return "\(name): \(target), \(kindList), linger \(formatDuration(lingerMs))"
        }
    }

    /// The `checkpoint:` section: how often a live run checkpoints.
    public struct Checkpointing: Sendable, Equatable {
        /// Time between the starts of two checkpoints, in milliseconds (default 10 s).
        public var intervalMs: Int64

        public init(intervalMs: Int64 = 10_000) {
            self.intervalMs = intervalMs
        }
    }

    /// Whether the embedded log accepts `name` as a topic name: 1 to 200 of `A-Z a-z 0-9 . _ -`, not starting
    /// with a dot.
    ///
    /// This repeats `Topic.validate(name:)` of FlywheelConnectors, which this module cannot import (Connectors
    /// depend on Signals); a test in FlywheelConnectorsTests keeps the two in step.
    static func isValidTopicName(_ name: String) -> Bool {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        return allowed && !name.isEmpty && name.utf8.count <= 200 && !name.hasPrefix(".")
    }

    /// What a valid topic name looks like, for error messages.
    static let topicNameRule = "use 1 to 200 of A-Z a-z 0-9 . _ - and do not start with a dot"
}
