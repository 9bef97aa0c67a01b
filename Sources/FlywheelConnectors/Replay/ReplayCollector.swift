import FlywheelEngine
import FlywheelSignals
import Foundation

/// The collector of a replay: puts records in file order, writes them, and completes checkpoints.
///
/// Checkpoints are aligned as in Chandy-Lamport / Flink: once a source (the ingest, or a shard)
/// has delivered its part of barrier k, whatever it sends next is held back until every part of k
/// has arrived, so the checkpoint holds exactly the records produced before the barrier.
struct ReplayCollector {
    typealias Event = CollectorEvent<SignalRecord, ReplayJob.Side>

    var ordered: OrderedOutput
    /// The counters of what was written before this run (resumed from a checkpoint).
    private let writtenBefore: SignalCounters
    /// Records written by this run, per `RecordKind`: an array, as the dictionary of
    /// `SignalCounters` would hash a key for every record.
    private var writtenByKind = [Int64](repeating: 0, count: RecordKind.allCases.count)
    private var unresolvedWritten: Int64 = 0
    let folder: OutputFolder
    let sink: TopicSink?
    let store: CheckpointStore?
    let parallelism: Int
    /// The input sizes every checkpoint records (`CheckpointData.inputSizes`).
    let inputSizes: [Int64]
    var stats = CheckpointStats()
    private var barrier: ReplayJob.Barrier?
    private var snapshots: [Int: ShardSnapshot] = [:]
    private var ingestBlocked = false
    private var held: [Event] = []

    init(
        ordered: OrderedOutput, written: SignalCounters, folder: OutputFolder, sink: TopicSink?,
        store: CheckpointStore?, parallelism: Int, inputSizes: [Int64] = []
    ) {
        self.ordered = ordered
        writtenBefore = written
        self.folder = folder
        self.sink = sink
        self.store = store
        self.parallelism = parallelism
        self.inputSizes = inputSizes
    }

    /// Takes `event` over: records are moved into the ordering, not copied.
    mutating func handle(_ event: consuming Event) throws {
        if isBlocked(event) {
            held.append(event)
            return
        }
        switch consume event {
        case .side(.records(let records)):
            ordered.addSide(records)
        case .side(.barrier(let next)):
            barrier = next
            ingestBlocked = true
        case .shardOutput(let shard, let records, let watermark, let sequence):
            ordered.add(records, shard: shard, watermark: watermark, sequence: sequence)
            var ready: [SignalRecord] = []
            ordered.drainReady { ready.append($0) }
            // Borrowed through the buffer: iterating the array would copy each record.
            try ready.withUnsafeBufferPointer { ready in
                for index in ready.indices { try write(ready[index]) }
            }
        case .snapshot(let shard, _, let state):
            snapshots[shard] = state
        case .closed:
            break
        }
        if let current = barrier, ingestBlocked, snapshots.count == parallelism {
            try complete(current)
        }
    }

    private func isBlocked(_ event: Event) -> Bool {
        switch event {
        case .side: return ingestBlocked
        case .shardOutput(let shard, _, _, _), .snapshot(let shard, _, _), .closed(let shard):
            return snapshots[shard] != nil
        }
    }

    mutating func write(_ record: SignalRecord) throws {
        try folder.write(record)
        try sink?.write(record)
        writtenByKind[record.kind.rawValue] += 1
        if record.isUnresolvedReference { unresolvedWritten += 1 }
    }

    /// `signals_out` and `unresolved_references` of everything written, this run and before.
    var written: SignalCounters {
        var counters = writtenBefore
        for kind in RecordKind.allCases {
            guard let signal = kind.signalKind else { continue }
            counters.signalsOut[signal, default: 0] += writtenByKind[kind.rawValue]
        }
        counters.unresolvedReferences += unresolvedWritten
        return counters
    }

    /// Commits the staged output, writes the checkpoint, and replays what was held back.
    private mutating func complete(_ current: ReplayJob.Barrier) throws {
        let started = ContinuousClock.now
        let lengths = try folder.commit()
        let topicOffsets = try sink?.commit() ?? []
        var groups = Array(repeating: SignalShardOperator.emptyGroup, count: KeyGroups.count)
        for snapshot in snapshots.values {
            for (group, bytes) in snapshot.groups { groups[group] = bytes }
        }
        let data = CheckpointData(
            id: current.id, createdMillis: Int64(Date().timeIntervalSince1970 * 1000), parallelism: parallelism,
            sequence: current.sequence, watermark: current.watermark, positions: current.positions,
            ingest: current.ingest, groups: groups, pending: ordered.pendingRecords(), written: written,
            fileLengths: lengths, topicOffsets: topicOffsets, inputSizes: inputSizes)
        if let store { stats.lastBytes = try store.write(data) }
        stats.count += 1
        stats.lastId = current.id
        stats.totalSeconds += (ContinuousClock.now - started).seconds
        barrier = nil
        snapshots = [:]
        ingestBlocked = false
        var replay: [Event] = []
        swap(&replay, &held)
        replay.reverse()
        while let event = replay.popLast() { try handle(event) }
    }

    /// Every event was handled: nothing may be held back at the end.
    var isDrained: Bool { held.isEmpty && barrier == nil }
}
