import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import Foundation
import Synchronization

/// The committed records of the pipeline's signal topics, for the read API.
///
/// A kind's records are those of the first topic sink of the pipeline that takes the kind: topic
/// `<prefix><kind>` of a per-kind sink, or the kind's partition of a single topic (keyed by kind). A record
/// is committed once a checkpoint covers it: the topic sink appends and syncs, then the checkpoint records
/// each partition's end (`TopicSink.committedOffsets(in:sink:)`); a restart never cuts below it, so readers
/// see each record once and never one that a crash takes back. Before the first checkpoint the committed
/// end is where the job found the topics. A record's position is its offset in its partition.
///
/// Thread-safety: the committed ends and the open read-only topic views are kept behind a `Mutex`; reads
/// go through `PartitionLog`, which any task may read. The views' files close when the last reference goes.
final class SignalLog: Sendable {
    /// Where a kind's records are.
    struct Route: Sendable {
        /// The topic sink's name (its state's name in a checkpoint).
        var sink: String
        /// The sink's topics, in its order (the order of its checkpoint state).
        var sinkTopics: [String]
        var topic: String
        /// Records of other kinds share the topic (a single-topic sink): only those keyed by the kind are the
        /// kind's.
        var sharedTopic: Bool
    }

    /// A kind's partition and its committed end, as of the newest checkpoint.
    struct Committed {
        var partition: PartitionLog
        var end: Int64
        /// The key of the kind's records when they share the topic with other kinds.
        var key: [UInt8]?
    }

    private struct State {
        var checkpointID: Int64?
        var hasCheckpoint = false
        /// Per topic sink, the committed ends of its partitions (nil before the first checkpoint and start file).
        var ends: [String: [Int64]] = [:]
        var views: [String: TopicLog] = [:]
        /// Bumped each time a newer checkpoint is seen.
        var version: UInt64 = 0
        /// The job of this process reports its checkpoints (`completed(_:)`): the folder is not read again.
        var pushed = false
    }

    let dataDir: String
    let routes: [RecordKind: Route]
    private let store: CheckpointStore?
    private let state = Mutex(State())

    init(dataDir: String, sinks: [PipelineConfig.SinkSpec]) {
        self.dataDir = dataDir
        self.routes = Self.routes(sinks)
        store = try? CheckpointStore(path: (dataDir as NSString).appendingPathComponent("checkpoints"))
    }

    /// Per kind, the first topic sink that takes it.
    static func routes(_ sinks: [PipelineConfig.SinkSpec]) -> [RecordKind: Route] {
        var routes: [RecordKind: Route] = [:]
        for spec in sinks {
            guard case .topic(let target) = spec.kind else { continue }
            let kinds = spec.orderedKinds
            for kind in kinds where routes[kind] == nil {
                routes[kind] =
                    switch target {
                    case .single(let name):
                        Route(sink: spec.name, sinkTopics: [name], topic: name, sharedTopic: true)
                    case .perKind(let prefix):
                        Route(
                            sink: spec.name, sinkTopics: kinds.map { prefix + $0.name }, topic: prefix + kind.name,
                            sharedTopic: false)
                    }
            }
        }
        return routes
    }

    /// Bumped each time a newer checkpoint was seen by `refresh()`.
    var version: UInt64 { state.withLock { $0.version } }

    /// Looks for a newer checkpoint (a listing of the checkpoint folder; the newest checkpoint is read only when
    /// it is new); returns the version.
    @discardableResult
    func refresh() -> UInt64 {
        guard let store else { return 0 }
        if state.withLock({ $0.pushed }) { return version }
        let newest = store.ids().last
        if let known = state.withLock({ $0.hasCheckpoint ? $0.checkpointID : nil }), known == newest {
            return version
        }
        var ends: [String: [Int64]] = [:]
        var found: Int64?
        if newest != nil, let checkpoint = store.latest().data {
            found = checkpoint.id
            for route in Set(routes.values.map(\.sink)) {
                ends[route] = TopicSink.committedOffsets(in: checkpoint, sink: route)
            }
        } else {
            for route in Set(routes.values.map(\.sink)) {
                ends[route] = store.readOffsets(TopicSink.startKey(sink: route))
            }
        }
        return state.withLock { state in
            // A checkpoint the job reported while the folder was read is newer than what was read.
            if state.pushed { return state.version }
            if found != state.checkpointID || state.ends != ends { state.version &+= 1 }
            state.hasCheckpoint = found != nil
            state.checkpointID = found
            state.ends = ends
            return state.version
        }
    }

    /// Takes the committed ends from a checkpoint the job of this process completed
    /// (`RunOptions.onCheckpointCompleted`): from then on `refresh()` does not read the checkpoint folder, whose
    /// newest file holds the job's whole state (hundreds of megabytes for a busy service).
    func completed(_ checkpoint: CompletedCheckpoint) {
        var ends: [String: [Int64]] = [:]
        for route in Set(routes.values.map(\.sink)) {
            ends[route] = TopicSink.committedOffsets(in: checkpoint.sinks, sink: route)
        }
        state.withLock { state in
            if let known = state.checkpointID, known >= checkpoint.id, state.pushed { return }
            if checkpoint.id != state.checkpointID || state.ends != ends { state.version &+= 1 }
            state.pushed = true
            state.hasCheckpoint = true
            state.checkpointID = checkpoint.id
            state.ends = ends
        }
    }

    /// The kind's partition and committed end; nil while the topic does not exist or nothing is committed.
    func committed(_ kind: RecordKind) throws(LogError) -> Committed? {
        guard let route = routes[kind] else { return nil }
        guard let ends = state.withLock({ $0.ends[route.sink] }) else { return nil }
        var index = 0
        for name in route.sinkTopics {
            guard let view = try view(name) else { return nil }
            if name == route.topic {
                let partition = view.partition(forKey: kind.name)
                guard index + partition < ends.count else { return nil }
                let end = ends[index + partition]
                let log = view.partitions[partition]
                if log.highWatermark < end { try log.refresh() }
                return Committed(
                    partition: log, end: min(end, log.highWatermark),
                    key: route.sharedTopic ? Array(kind.name.utf8) : nil)
            }
            index += view.partitions.count
        }
        return nil
    }

    /// A read-only view of topic `name`, opened once; nil while it does not exist.
    private func view(_ name: String) throws(LogError) -> TopicLog? {
        if let open = state.withLock({ $0.views[name] }) { return open }
        var access = PartitionLogOptions()
        access.readOnly = true
        let log: TopicLog
        do throws(LogError) {
            log = try EmbeddedLog(directory: dataDir).open(name, access: access)
        } catch  where error.code == .topicNotFound {
            return nil
        }
        return state.withLock { state in
            if let open = state.views[name] { return open }
            state.views[name] = log
            return log
        }
    }
}
