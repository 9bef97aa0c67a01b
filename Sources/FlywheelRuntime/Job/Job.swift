import FlywheelEngine
import FlywheelSignals
import Synchronization

/// Runs a pipeline from its sources to its sinks: a replay (bounded sources read to their end) or
/// a live job (CONTRACT section 8).
///
/// Tasks: the ingest (reading, or pumps on threads of their own, and the ingest driver); one task
/// per shard running every signal operator; the collector, which orders records, hands them to
/// the sinks and completes checkpoints; one task per sink. Every hand-off is a batch on a bounded
/// channel.
public enum Job {
    /// Runs until every source ended (then each sink is closed `.finished`) or, live, until a stop
    /// request (then a final checkpoint is taken and each sink is closed `.stopped`). `resume`: the
    /// checkpoint to start from; its sections are found by the sources', sinks' and operators' ids.
    /// Errors of sources and sinks come out as they threw them.
    public static func run(
        _ options: JobOptions, sources: [JobSource], sinks: [JobSink], storage: (any CheckpointStorage)?,
        resume: CheckpointData? = nil
    ) async throws -> JobResult {
        let started = options.clock.elapsed()
        // Events go back from the shards to the decoders, to be allocated and freed on one thread.
        let pool = ChatEventPool()
        let decoding = DecodeOptions(
            maxEventBytes: options.config.time.maxEventBytes, countsPII: options.config.signals.needsPIICounts,
            hashesPrefix: storage != nil, pool: pool)
        // Sinks first: opening a source may wait (a named pipe waits for its writer).
        for sink in sinks {
            try await sink.sink.restore(resume.flatMap { CheckpointData.section(sink.id, in: $0.sinks) })
        }
        var partitions: [any SourcePartition] = []
        // The partitions of the run that wrote the checkpoint, where a source says they changed.
        var restoredNames: [String] = []
        var partitionsChanged = false
        for source in sources {
            let state = resume.flatMap { CheckpointData.section(source.id, in: $0.sources) }
            partitions += try source.source.open(restoring: state, decoding: decoding)
            let current = (0..<source.source.partitionCount).map(source.source.name(ofPartition:))
            let earlier = state.flatMap(source.source.partitionNames(restoring:))
            partitionsChanged = partitionsChanged || (earlier != nil && earlier != current)
            restoredNames += earlier ?? current
        }
        let names =
            options.sourceNames
            ?? sources.flatMap { source in (0..<source.source.partitionCount).map(source.source.name(ofPartition:)) }
        let driver: IngestDriver
        do {
            driver = try IngestDriver(
                time: options.config.time, sourceNames: names, shards: options.parallelism,
                resume: resume?.ingest, restoredNames: partitionsChanged ? restoredNames : nil)
        } catch {
            throw RuntimeError(.checkpointMismatch, "cannot resume checkpoint \(resume?.id ?? 0): \(error.message)")
        }
        let operators = try makeOperators(options, sourceNames: names, resume: resume, pool: pool)
        let handles = sinks.map(SinkHandle.init)
        var collector = Collector(
            ordered: OrderedOutput(
                shards: options.parallelism, allowedLatenessMs: options.config.time.allowedLatenessMs,
                resumingAt: resume?.watermark ?? .min, sequence: resume?.ingest.sequence ?? 0,
                records: resume?.pending ?? []),
            parallelism: options.parallelism, sinks: handles, storage: storage, clock: options.clock,
            written: resume?.written ?? SignalCounters(), onCheckpoint: options.onCheckpoint,
            // A job whose threads yield to others (the service's) encodes checkpoints only on what is left over.
            writerPriority: options.threadNice > 0 ? .idle : .nice(0))
        let completions = CompletedCheckpoints(after: resume?.id ?? 0)
        collector.onCompleted = { [hook = options.onCheckpointCompleted] checkpoint in
            completions.completed(checkpoint.id)
            hook?(checkpoint)
        }
        collector.onDurable = { sections in
            for source in sources {
                if let state = CheckpointData.section(source.id, in: sections) {
                    source.source.checkpointCompleted(state: state)
                }
            }
        }
        let ingestCounters = Mutex(driver.state.counters)
        let stoppedByRequest = Mutex(false)
        let reopen = Mutex<String?>(nil)
        let opened = partitions
        let resumedEventsIn = driver.state.counters.eventsIn
        // Sinks block (writes, fsync): each runs on a thread of its own.
        let sinkThreads = sinks.map { DedicatedThread(name: "flywheel-sink-\($0.id)", nice: options.threadNice) }
        defer { sinkThreads.forEach { $0.shutdown() } }
        // Live, each shard runs on a thread of its own: a snapshot of a large state (seconds) then never holds
        // one of the cooperative pool's threads, which a service's HTTP handlers need. A replay keeps them on
        // the pool (measured there; nothing else waits on it).
        let shardThreads =
            options.mode == .live
            ? (0..<options.parallelism).map { DedicatedThread(name: "flywheel-shard-\($0)", nice: options.threadNice) }
            : []
        defer { shardThreads.forEach { $0.shutdown() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, sink) in sinks.enumerated() {
                let handle = handles[index]
                group.addTask(executorPreference: sinkThreads[index]) { await SinkHandle.run(handle, sink: sink.sink) }
            }
            defer { handles.forEach { $0.channel.finish() } }
            try await ShardedStage.run(
                operators: operators, queueDepth: options.shardQueueDepth,
                shardExecutors: shardThreads.isEmpty ? nil : shardThreads, sideType: JobSide.self
            ) { dispatcher in
                var loop = IngestLoop(
                    options: options, sources: sources, partitions: opened, dispatcher: dispatcher, driver: driver,
                    checkpointId: resume?.id ?? 0, completions: completions)
                defer {
                    ingestCounters.withLock { $0 = loop.driver.state.counters }
                    stoppedByRequest.withLock { $0 = loop.stoppedByRequest }
                    reopen.withLock { $0 = loop.reopen }
                }
                try await runIngest(&loop, options: options)
            } collect: { (event: consuming CollectorEvent<SignalRecord, JobSide>) in
                try await collector.handle(event)
            }
            try await collector.finishCheckpoint()
            collector.writer.shutdown()
            guard collector.isDrained else {
                throw RuntimeError(.checkpointFailed, "internal error: a checkpoint barrier was left incomplete")
            }
            var counters = ingestCounters.withLock { $0 }
            if !stoppedByRequest.withLock({ $0 }) {
                var rest: [SignalRecord] = []
                collector.ordered.drainAll { rest.append($0) }
                try await collector.release(rest)
                let written = collector.written
                counters.signalsOut = written.signalsOut
                counters.unresolvedReferences = written.unresolvedReferences
                try await collector.close(.finished(summary: counters.summaryJSON()))
            } else {
                try await collector.close(.stopped)
            }
        }
        var result = JobResult(
            counters: ingestCounters.withLock { $0 }, wallSeconds: (options.clock.elapsed() - started).seconds)
        let written = collector.written
        result.counters.signalsOut = written.signalsOut
        result.counters.unresolvedReferences = written.unresolvedReferences
        result.resumedFrom = resume?.id
        result.resumedEventsIn = resumedEventsIn
        result.checkpoints = collector.stats
        result.stoppedAtCheckpoint = stoppedByRequest.withLock { $0 } ? collector.stoppedAt : nil
        result.reopen = reopen.withLock { $0 }
        return result
    }

    private static func runIngest(_ loop: inout IngestLoop, options: JobOptions) async throws {
        switch options.mode {
        case .replay:
            // Reads block: the ingest runs on a thread of its own.
            let thread = DedicatedThread(name: "flywheel-ingest")
            defer { thread.shutdown() }
            try await withTaskExecutorPreference(thread) { try await loop.runReplay() }
        case .live:
            options.onConsuming?()
            let thread = DedicatedThread(name: "flywheel-ingest", nice: options.threadNice)
            defer { thread.shutdown() }
            try await withTaskExecutorPreference(thread) { try await loop.runLive(tick: IngestLoop.tickInterval) }
        }
    }

    private static func makeOperators(
        _ options: JobOptions, sourceNames: [String], resume: CheckpointData?, pool: ChatEventPool
    ) throws -> [SignalShardOperator] {
        try (0..<options.parallelism).map { shard in
            var op = SignalShardOperator(
                config: options.config, catalog: options.catalog, sourceNames: sourceNames,
                liveCatalog: options.liveCatalog, pool: pool)
            if let resume {
                do {
                    try op.restore(
                        resume.operators, owned: KeyGroups.groups(ofShard: shard, parallelism: options.parallelism),
                        watermark: resume.watermark)
                } catch {
                    throw RuntimeError(
                        .checkpointFailed, "checkpoint \(resume.id) has unusable operator state: \(error)")
                }
            }
            return op
        }
    }
}

/// The outcome of a job.
public struct JobResult: Sendable {
    public var counters: SignalCounters
    public var wallSeconds: Double
    /// The checkpoint the job resumed from, if any.
    public var resumedFrom: Int64?
    /// Input events the resumed checkpoint had counted already (0 without a resume).
    public var resumedEventsIn: Int64 = 0
    public var checkpoints = CheckpointStats()
    /// The final checkpoint of a graceful stop (nil: every source ended, or no checkpoints).
    public var stoppedAtCheckpoint: Int64?
    /// Why the job stopped at `stoppedAtCheckpoint` to be run again from it (`Source.reopenRequest`), or nil.
    public var reopen: String?
    /// Input events read by this run.
    public var eventsThisRun: Int64 { counters.eventsIn - resumedEventsIn }
}
