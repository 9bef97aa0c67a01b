import FlywheelConnectors
import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Synchronization

/// A pipeline's `kind: kafka` source: one topic on one cluster or on an HA group of clusters. Each
/// (cluster, partition) is a source partition with its own watermark, named `kafka:CLUSTER/TOPIC/N`.
///
/// At open each cluster is asked for the topic's partitions. A cluster that does not answer is an error
/// that names it, unless the checkpoint the job resumes from lists its partitions: then they are assigned
/// at their checkpointed offsets and read nothing (`.caughtUp`, so they go idle) until it is back.
///
/// Offsets: from the checkpoint when there is one; else the group's committed offsets; else `start`.
/// Offsets are committed to the group only after a checkpoint is durable (`checkpointCompleted`), for
/// lag monitoring: the checkpoint, not the group, is what the job resumes from.
public final class KafkaSource: Source, Sendable {
    /// Where each source partition reads: its cluster (index into `readers`) and Kafka partition.
    struct Layout: Sendable {
        var partitions: [(cluster: Int, partition: Int32)] = []
        /// The offset each partition started at in this run, written for partitions that took nothing.
        var startOffsets: [Int64] = []
    }

    public let spec: KafkaSourceSpec
    private let readers: [KafkaClusterReader]
    private let layout = Mutex(Layout())
    private let warn: @Sendable (String) -> Void
    private let bounded: Bool
    /// Tests: a topic is read as if it had at most this many partitions (the topic before partitions were
    /// added; Tansu cannot add partitions).
    private let readsAtMost: Int?

    /// Makes a consumer per cluster (no request is sent yet). `properties` of the spec override nothing
    /// the source manages (the pipeline parser refuses those).
    public convenience init(
        _ spec: KafkaSourceSpec, bounded: Bool = false, warn: @escaping @Sendable (String) -> Void
    ) throws(KafkaError) {
        try self.init(spec, timing: KafkaClusterReader.Timing(), bounded: bounded, warn: warn)
    }

    init(
        _ spec: KafkaSourceSpec, timing: KafkaClusterReader.Timing, bounded: Bool = false, readsAtMost: Int? = nil,
        warn: @escaping @Sendable (String) -> Void
    ) throws(KafkaError) {
        self.spec = spec
        self.warn = warn
        self.bounded = bounded
        self.readsAtMost = readsAtMost
        var properties = Dictionary(spec.properties.map { ($0.name, $0.value) }) { _, last in last }
        if bounded { properties["enable.partition.eof"] = "true" }
        properties["group.id"] = spec.group
        properties["enable.auto.commit"] = "false"
        readers = try spec.clusters.map { (cluster: KafkaSourceSpec.Cluster) throws(KafkaError) in
            try KafkaClusterReader(
                name: cluster.name, topic: spec.topic,
                configuration: KafkaConfiguration(bootstrap: cluster.bootstrap, properties), timing: timing, warn: warn)
        }
    }

    /// The source of a pipeline's `kind: kafka` entry (`RunOptions.externalSource`); a bad property is an
    /// `invalidOption` error naming it.
    public static func make(
        _ spec: PipelineConfig.SourceSpec, warn: @escaping @Sendable (String) -> Void
    ) throws(ConnectorError) -> any Source {
        guard case .kafka(let kafka) = spec.kind else {
            throw ConnectorError(.invalidOption, "source \(spec.name) is not a kafka source")
        }
        do {
            return try KafkaSource(kafka, warn: warn)
        } catch {
            throw ConnectorError(.invalidOption, "properties: \(error.message)", cause: error)
        }
    }

    public var partitionCount: Int { layout.withLock { $0.partitions.count } }
    /// Bounded (`flywheel replay kafka://...`): each partition ends where librdkafka first reports it
    /// caught up (its end offset then); else the source never ends.
    public var isBounded: Bool { bounded }

    public func name(ofPartition partition: Int) -> String {
        let place = layout.withLock { $0.partitions.indices.contains(partition) ? $0.partitions[partition] : nil }
        guard let place else { return "kafka:\(spec.topic)/unopened-\(partition)" }
        return "kafka:\(readers[place.cluster].name)/\(spec.topic)/\(place.partition)"
    }

    public func open(restoring state: [UInt8]?, decoding: DecodeOptions) throws -> [any SourcePartition] {
        let restored = try state.map { (bytes: [UInt8]) throws(CheckpointError) in try KafkaSourceState(decoding: bytes)
        }
        if let restored { reportMigration(from: restored) }
        var plan: [(reader: Int, offsets: [(partition: Int32, next: Int64)])] = []
        for (index, reader) in readers.enumerated() {
            plan.append((index, try offsets(of: reader, restored: restored?.offsets(of: reader.name))))
        }
        var opened: [any SourcePartition] = []
        var next = Layout()
        for (index, offsets) in plan {
            let reader = readers[index]
            // Each partition's queue is taken out of the consumer queue before anything is fetched.
            for (partition, start) in offsets {
                let name = "kafka:\(reader.name)/\(spec.topic)/\(partition)"
                opened.append(
                    try KafkaSourcePartition(
                        cluster: reader, partition: partition, index: next.partitions.count, next: start, name: name,
                        decoding: decoding, bounded: bounded))
                next.partitions.append((index, partition))
                next.startOffsets.append(start)
            }
            try reader.start(offsets.map { KafkaTopicPartition(spec.topic, $0.partition, offset: $0.next) })
        }
        layout.withLock { $0 = next }
        return opened
    }

    /// A migration step (README, "Moving to another cluster"): clusters the checkpoint does not list start at
    /// the group's offsets (else `start`); clusters it lists that the source no longer has are dropped, with
    /// their offsets. Each is said once, at open.
    private func reportMigration(from restored: KafkaSourceState) {
        let earlier = restored.clusters.map(\.name)
        for reader in readers where !earlier.contains(reader.name) {
            warn(
                "\(reader.label) is new to this job: its partitions start at the group's committed offsets, else "
                    + "the \(spec.start.rawValue) offset")
        }
        for name in earlier where !readers.contains(where: { $0.name == name }) {
            warn(
                "kafka cluster \(name) was removed from the source: its checkpointed offsets are dropped (events "
                    + "it held that were not read are not read)")
        }
    }

    /// The partitions of the run that wrote `state`, in its order (`kafka:CLUSTER/TOPIC/N`): the job carries
    /// watermarks and positions over by name when clusters were added or removed.
    public func partitionNames(restoring state: [UInt8]) -> [String]? {
        guard let restored = try? KafkaSourceState(decoding: state) else { return nil }
        return restored.clusters.flatMap { cluster in
            cluster.offsets.map { "kafka:\(cluster.name)/\(spec.topic)/\($0.partition)" }
        }
    }

    /// Where each partition of `reader`'s cluster starts: the checkpoint's offsets, else the group's, else
    /// `start`.
    private func offsets(
        of reader: KafkaClusterReader, restored: [(partition: Int32, next: Int64)]?
    ) throws -> [(partition: Int32, next: Int64)] {
        let count: Int
        do {
            guard let found = try reader.partitionCount() else {
                throw ConnectorError(
                    .topicNotFound,
                    "\(reader.label) has no topic \(spec.topic): create it (e.g. flywheel kafka produce creates none; "
                        + "use kafka-topics or the broker's tooling), or fix topic/bootstrap in the pipeline")
            }
            count = min(found, readsAtMost ?? found)
        } catch let error as KafkaError {
            guard let restored else {
                throw ConnectorError(
                    .readFailed,
                    "\(reader.label) does not answer: \(error.message); start it, or fix its bootstrap (a cluster "
                        + "may be down at start only when the checkpoint lists its partitions)", cause: error)
            }
            reader.startsUnreachable(error)
            return restored
        }
        guard let restored else {
            return try groupOffsets(of: reader, Array(0..<Int32(count)), fallback: spec.start == .earliest)
        }
        let known = Set(restored.map(\.partition))
        guard known.allSatisfy({ $0 < count }) else {
            throw ConnectorError(
                .checkpointMismatch,
                "topic \(spec.topic) has \(count) partitions on \(reader.label), the checkpoint read "
                    + "\(restored.count): partitions cannot be removed under a job; start it with a new --data folder")
        }
        let added = (0..<Int32(count)).filter { !known.contains($0) }
        guard !added.isEmpty else { return restored }
        // Partitions added while the job ran hold only records produced since: read them from their beginning.
        warn(
            "topic \(spec.topic) on \(reader.label) has \(count) partitions, the checkpoint read \(restored.count): "
                + "partitions \(added.map(String.init).joined(separator: ", ")) are new to this job and start at the "
                + "group's committed offsets, else at their beginning")
        return restored + (try groupOffsets(of: reader, added, fallback: true))
    }

    /// The group's committed offsets of `partitions`, else their beginning (`earliest`) or end.
    private func groupOffsets(
        of reader: KafkaClusterReader, _ partitions: [Int32], fallback earliest: Bool
    ) throws -> [(partition: Int32, next: Int64)] {
        let list = partitions.map { KafkaTopicPartition(spec.topic, $0) }
        let committed = try reader.consumer.committed(list, timeout: reader.timing.metadataTimeout)
        let fallback = earliest ? KafkaOffset.beginning : KafkaOffset.end
        return zip(partitions, committed).map { ($0, $1 ?? fallback) }
    }

    /// Partitions were added to the topic on a cluster (its reachability probe saw them): the job reopens the
    /// source at a checkpoint, and `open` then assigns them.
    public func reopenRequest() -> String? {
        readers.lazy.compactMap(\.reopenRequest).first
    }

    public func state(at positions: [InputPosition]) -> [UInt8] {
        let layout = self.layout.withLock { $0 }
        var clusters = readers.map { KafkaSourceState.Cluster(name: $0.name, offsets: []) }
        for (index, place) in layout.partitions.enumerated() {
            // 0: the partition took nothing in any run; it starts where this run started it.
            let next = positions[index].offset > 0 ? positions[index].offset : layout.startOffsets[index]
            clusters[place.cluster].offsets.append((place.partition, next))
        }
        return KafkaSourceState(clusters: clusters).encoded()
    }

    /// Commits the checkpoint's offsets to the group on every cluster (partitions that took nothing yet
    /// are left out), off the data path.
    public func checkpointCompleted(state: [UInt8]) {
        guard let decoded = try? KafkaSourceState(decoding: state) else { return }
        for reader in readers {
            guard let offsets = decoded.offsets(of: reader.name) else { continue }
            reader.commit(
                offsets.filter { $0.next >= 0 }.map { KafkaTopicPartition(spec.topic, $0.partition, offset: $0.next) })
        }
    }
}
