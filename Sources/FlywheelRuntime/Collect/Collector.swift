import FlywheelEngine
import FlywheelSignals

/// The collector of a job: puts records in release order (CONTRACT section 6), hands each sink the
/// kinds it takes, and completes checkpoints once the barrier has aligned and every sink has
/// staged its part.
struct Collector {
    typealias Event = CollectorEvent<SignalRecord, JobSide>

    var ordered: OrderedOutput
    private var alignment: CollectorStateMachine
    let sinks: [SinkHandle]
    let storage: (any CheckpointStorage)?
    let clock: JobClock
    let onCheckpoint: (@Sendable (Int64, SignalCounters) -> Void)?
    /// Told the sources' sections of each checkpoint once it is durable (`Source.checkpointCompleted`).
    var onDurable: (@Sendable ([StateSection]) -> Void)?
    /// Told what each checkpoint was once it completed (`JobOptions.onCheckpointCompleted`).
    var onCompleted: (@Sendable (CompletedCheckpoint) -> Void)?
    /// The counters of what was released before this run (resumed from a checkpoint).
    private let writtenBefore: SignalCounters
    /// Records released by this run, per `RecordKind`: an array, as the dictionary of
    /// `SignalCounters` would hash a key for every record.
    private var writtenByKind = [Int64](repeating: 0, count: RecordKind.allCases.count)
    private var unresolvedWritten: Int64 = 0
    /// When each sink last flushed, and whether it got records since.
    private var lastFlush: [Duration]
    private var dirty: [Bool]
    var stats = CheckpointStats()
    /// Set when a closing checkpoint (a graceful stop) was taken.
    private(set) var stoppedAt: Int64?
    /// The checkpoint being written, if one is.
    private var inFlight: CheckpointCompletion?
    /// Where checkpoints are encoded and written (fsync blocks).
    let writer: DedicatedThread

    init(
        ordered: OrderedOutput, parallelism: Int, sinks: [SinkHandle], storage: (any CheckpointStorage)?,
        clock: JobClock, written: SignalCounters, onCheckpoint: (@Sendable (Int64, SignalCounters) -> Void)? = nil,
        writerPriority: DedicatedThread.Priority = .nice(0)
    ) {
        self.onCheckpoint = onCheckpoint
        writer = DedicatedThread(name: "flywheel-checkpoint", priority: writerPriority)
        self.ordered = ordered
        alignment = CollectorStateMachine(parallelism: parallelism)
        self.sinks = sinks
        self.storage = storage
        self.clock = clock
        writtenBefore = written
        lastFlush = sinks.map { _ in .zero }
        dirty = sinks.map { _ in false }
    }

    /// Takes `event` over: records are moved into the ordering, not copied.
    mutating func handle(_ event: consuming Event) async throws {
        if let error = inFlight?.error { throw error }
        switch alignment.receive(event) {
        case .hold:
            break
        case .handle(let event):
            try await process(event)
        }
        if let aligned = alignment.takeAligned() {
            try await complete(aligned.barrier, snapshots: aligned.snapshots)
            for event in aligned.held { try await handle(event) }
        }
    }

    private mutating func process(_ event: consuming Event) async throws {
        switch consume event {
        case .side(.records(let records)):
            ordered.addSide(records)
        case .side(.tick):
            try await flushLingering()
        case .shardOutput(let shard, let records, let watermark, let sequence):
            ordered.add(records, shard: shard, watermark: watermark, sequence: sequence)
            var ready: [SignalRecord] = []
            ordered.drainReady { ready.append($0) }
            try await release(ready)
        case .side(.barrier), .snapshot, .closed:
            break
        }
    }

    /// Counts `records` and hands each sink the ones of its kinds, in order.
    mutating func release(_ records: [SignalRecord]) async throws {
        guard !records.isEmpty else { return }
        records.withUnsafeBufferPointer { records in
            for index in records.indices {
                writtenByKind[records[index].kind.rawValue] += 1
                if records[index].isUnresolvedReference { unresolvedWritten += 1 }
            }
        }
        for (index, sink) in sinks.enumerated() {
            let taken = sink.kinds.map { kinds in records.filter { kinds.contains($0.kind) } } ?? records
            guard !taken.isEmpty else { continue }
            try await sink.send(.records(taken))
            dirty[index] = true
        }
    }

    /// Sinks that got records and have not flushed for their linger flush now.
    private mutating func flushLingering() async throws {
        let now = clock.elapsed()
        for (index, sink) in sinks.enumerated() where dirty[index] && now - lastFlush[index] >= sink.linger {
            try await sink.send(.flush)
            dirty[index] = false
            lastFlush[index] = now
        }
    }

    /// `signals_out` and `unresolved_references` of everything released, this run and before.
    var written: SignalCounters {
        var counters = writtenBefore
        for kind in RecordKind.allCases {
            guard let signal = kind.signalKind else { continue }
            counters.signalsOut[signal, default: 0] += writtenByKind[kind.rawValue]
        }
        counters.unresolvedReferences += unresolvedWritten
        return counters
    }

    /// Starts completing the checkpoint (`CheckpointCompletion`) once the previous one is done.
    private mutating func complete(_ barrier: JobSide.Barrier, snapshots: [ShardSnapshot]) async throws {
        try await finishCheckpoint()
        let parts = CheckpointCompletion.Parts(
            barrier: barrier, createdMillis: clock.epochMillis(), parallelism: alignment.parallelism,
            snapshots: snapshots, pending: ordered.pendingRecords(), written: written)
        if barrier.closing { stoppedAt = barrier.id }
        inFlight = try await CheckpointCompletion(
            parts, sinks: sinks, storage: storage, writer: writer, onCheckpoint: onCheckpoint, onDurable: onDurable,
            onCompleted: onCompleted)
    }

    /// Waits for the checkpoint being completed, if one is; rethrows its failure.
    mutating func finishCheckpoint() async throws {
        guard let completion = inFlight else { return }
        inFlight = nil
        let done = try await completion.value()
        stats.count += done.count
        stats.lastId = done.lastId
        stats.lastBytes = done.lastBytes
        stats.totalSeconds += done.totalSeconds
    }

    /// Tells every sink the job ended and waits until each has done what that asks.
    /// Sinks that close last (`JobSink.closesLast`) are told once the others have closed; a failure of one of
    /// those is thrown before them.
    func close(_ end: JobEnd) async throws {
        for group in [sinks.filter { !$0.closesLast }, sinks.filter(\.closesLast)] {
            let replies = group.map { _ in Reply<Void>() }
            for (sink, reply) in zip(group, replies) { try await sink.send(.close(end, reply)) }
            for reply in replies { try await reply.value() }
        }
    }

    /// Every event was handled: nothing may be held back at the end.
    var isDrained: Bool { alignment.isDrained }
}

/// What checkpointing cost in a job.
public struct CheckpointStats: Sendable {
    public var count = 0
    /// The id of the last checkpoint written by this run.
    public var lastId: Int64?
    public var lastBytes = 0
    public var totalSeconds = 0.0

    public init() {}
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
