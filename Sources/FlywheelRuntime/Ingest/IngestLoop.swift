import FlywheelEngine
import FlywheelSignals
import Synchronization

/// The producer of a job: reads every source partition, feeds the ingest driver and sends the
/// shards' batches, side outputs and checkpoint barriers.
///
/// A replay reads one partition on this task (which runs on a thread of its own), or several on
/// threads of their own merged by timestamp; a live job takes lines in arrival order and acts on the
/// ticker: idle partitions, the idle advance (CONTRACT section 8) and time-based checkpoints.
struct IngestLoop {
    typealias Dispatcher = ShardDispatcher<RoutedEvent, SignalRecord, JobSide>

    let options: JobOptions
    let sources: [JobSource]
    let partitions: [any SourcePartition]
    let dispatcher: Dispatcher
    var driver: IngestDriver
    /// Checkpoints taken so far (the id of the last one).
    private var checkpointId: Int64
    /// The newest checkpoint completed: a time-triggered one waits while another is being completed.
    private let completions: CompletedCheckpoints
    private var linesSinceCheckpoint: Int64 = 0
    private var lastCheckpoint: Duration = .zero
    private var lastProgress: Duration = .zero
    /// Live: when each partition last delivered a line, and which have ended.
    /// Live: the loop ended on a stop request (not because every source ended).
    var stoppedByRequest = false
    /// Live: the loop ended because a source asked to be opened again (`Source.reopenRequest`), and why.
    var reopen: String?
    var lastActive: [Duration]
    var ended: [Bool]
    /// Set once reading stops; the pumps look at it.
    let stopped = StopFlag()
    /// Lines decoded before their de-dup slots are touched and they are ingested (`runFused`).
    private static let runLines = 32
    /// Keeps the loads of `IngestState.touch` from being optimized away.
    private var touched: UInt64 = 0

    init(
        options: JobOptions, sources: [JobSource], partitions: [any SourcePartition], dispatcher: Dispatcher,
        driver: IngestDriver, checkpointId: Int64, completions: CompletedCheckpoints
    ) {
        self.completions = completions
        self.options = options
        self.sources = sources
        self.partitions = partitions
        self.dispatcher = dispatcher
        self.driver = driver
        self.checkpointId = checkpointId
        lastActive = partitions.map { _ in .zero }
        ended = partitions.map { _ in false }
    }

    /// The global partition numbers of each source, in job order.
    static func ranges(of sources: [JobSource]) -> [Range<Int>] {
        var start = 0
        return sources.map { source in
            defer { start += source.source.partitionCount }
            return start..<(start + source.source.partitionCount)
        }
    }

    // MARK: Replay

    /// Reads every partition to its end. A stop request throws `.interrupted`.
    mutating func runReplay() async throws {
        do {
            if partitions.count == 1 {
                try await runFused()
            } else {
                try await runMerged()
            }
        } catch var error as RuntimeError where error.code == .interrupted {
            error.message += " after \(driver.state.counters.eventsIn) input events"
            throw error
        }
        driver.finishAll()
        try await flush(isFinal: true)
    }

    private mutating func runMerged() async throws {
        let channels = partitions.map { _ in BoundedChannel<InboxItem>(capacity: 4) }
        let threads = partitions.indices.map { DedicatedThread(name: "flywheel-read-\($0)") }
        defer { threads.forEach { $0.shutdown() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, reader) in partitions.enumerated() {
                let pump = PartitionPump(
                    partition: index, reader: reader, batchLines: options.batchLines,
                    stopped: { [stopped] in stopped.isSet })
                group.addTask(executorPreference: threads[index]) {
                    defer { channels[index].finish() }
                    await pump.run(into: channels[index])
                }
            }
            var merger = InputMerger(channels: channels)
            do {
                while let (line, partition) = try await merger.next(onFinished: { driver.finish(partition: $0) }) {
                    driver.ingest(line, partition: partition)
                    if driver.linesInBatch >= options.batchLines { try await flush(isFinal: false) }
                }
            } catch {
                // A pump waiting on a full channel would wait for this loop forever (the group awaits
                // its tasks before rethrowing): finishing the channels releases it, and drops what it sends.
                stopped.set()
                for channel in channels { channel.finish() }
                throw error
            }
            try await group.waitForAll()
        }
    }

    /// A single partition (a file or a one-partition topic) is read, decoded and ingested on this one
    /// task: each event goes through the ingest steps while its memory is still in this core's cache,
    /// and no batch of decoded lines crosses to another thread.
    private mutating func runFused() async throws {
        let reader = partitions[0]
        defer { reader.close() }
        var run = LineRun(capacity: Self.runLines)
        var status = ReadStatus.more
        while status != .ended {
            // Never more lines than the batch has room for, so batches end where they would with a pump.
            let room = Swift.min(Self.runLines, options.batchLines - driver.linesInBatch)
            status = try reader.read(maxLines: room) { run.append($0) }
            // The de-dup table outgrows the caches: load the run's slots together, then ingest.
            run.hashAll { touched ^= driver.state.touch(idHash: $0) }
            run.takeAll { line, idHash in driver.ingest(line, partition: 0, idHash: idHash) }
            if driver.linesInBatch >= options.batchLines { try await flush(isFinal: false) }
        }
        driver.finish(partition: 0)
    }

    // MARK: Batches and checkpoints

    /// Sends what the driver holds: side outputs to the collector, then a batch to every shard.
    mutating func flush(isFinal: Bool) async throws {
        if options.mode == .replay, let signal = options.stopRequested() {
            throw RuntimeError(.interrupted, "interrupted by \(StopSignal.name(of: signal))")
        }
        linesSinceCheckpoint += Int64(driver.linesInBatch)
        let batch = driver.cut(isFinal: isFinal)
        if !batch.sides.isEmpty { await dispatcher.emit(.records(batch.sides)) }
        try await dispatcher.send(batch.shards)
        reportProgress()
        if !isFinal && checkpointDue() { try await sendBarrier(closing: false) }
    }

    mutating func checkpointDue() -> Bool {
        switch options.checkpointInterval {
        case .none: return false
        case .events(let count): return linesSinceCheckpoint >= count
        case .seconds(let seconds):
            return options.clock.elapsed() - lastCheckpoint >= .milliseconds(Int64(seconds * 1000))
                && completions.newestId >= checkpointId
        }
    }

    /// Sends the ingest's and sources' state to the collector, then a barrier to every shard.
    mutating func sendBarrier(closing: Bool) async throws {
        if driver.hasPending { try await flushWithoutCheckpoint() }
        checkpointId += 1
        linesSinceCheckpoint = 0
        lastCheckpoint = options.clock.elapsed()
        let resume = driver.frozen()
        let ranges = Self.ranges(of: sources)
        let states = zip(sources, ranges).map { source, range in
            StateSection(id: source.id, bytes: source.source.state(at: Array(resume.positions[range])))
        }
        let barrier = JobSide.Barrier(
            id: checkpointId, watermark: driver.watermark, ingest: resume, sources: states,
            counters: driver.state.counters, closing: closing)
        await dispatcher.emit(.barrier(barrier))
        try await dispatcher.send(driver.cut(barrier: checkpointId).shards)
    }

    private mutating func flushWithoutCheckpoint() async throws {
        linesSinceCheckpoint += Int64(driver.linesInBatch)
        let batch = driver.cut()
        if !batch.sides.isEmpty { await dispatcher.emit(.records(batch.sides)) }
        try await dispatcher.send(batch.shards)
    }

    /// Reports progress if the last report is 500 ms old (after batches, and live on the ticker).
    mutating func reportProgress() {
        guard let progress = options.progress else { return }
        let now = options.clock.elapsed()
        guard now - lastProgress >= .milliseconds(500) else { return }
        lastProgress = now
        progress(
            JobProgress(
                eventsIn: driver.state.counters.eventsIn, watermark: driver.watermark,
                elapsedSeconds: Double(now.components.seconds) + Double(now.components.attoseconds) / 1e18,
                counters: driver.state.counters, positions: driver.positions))
    }
}

/// A flag set once, read by other threads.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
