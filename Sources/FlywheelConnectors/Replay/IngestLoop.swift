import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals

/// The producer of a replay: starts a decoder per input, merges their lines, applies the ingest
/// steps, and sends per-shard batches with the watermark trail.
struct IngestLoop {
    typealias Dispatcher = ShardDispatcher<RoutedEvent, SignalRecord, ReplayJob.Side>

    let options: ReplayOptions
    let sources: [ReplaySource]
    /// The `source` of `sources[i]`'s records: its name (`sources[i].name`, worked out once), or the
    /// name the run that created the checkpoint folder gave it.
    private let sourceNames: [String]
    let dispatcher: Dispatcher
    let started: ContinuousClock.Instant
    let progress: (@Sendable (ReplayProgress) -> Void)?
    var state: IngestState
    private var sequence: Int64 = 0
    private var shardRecords: [[RoutedEvent]]
    private var trail = WatermarkTrail()
    private var sides: [SignalRecord] = []
    private var linesInBatch = 0
    private var lastProgress: ContinuousClock.Instant
    /// Where each input resumes: just past the last line this loop consumed from it.
    private var positions: [InputPosition]
    private var checkpointId: Int64
    private var linesSinceCheckpoint: Int64 = 0
    private var lastCheckpoint: ContinuousClock.Instant
    /// Lines decoded before their de-dup slots are touched and they are ingested (`runFused`).
    private static let runLines = 32
    /// Keeps the loads of `IngestState.touch` from being optimized away.
    private var touched: UInt64 = 0

    init(
        options: ReplayOptions, sources: [ReplaySource], dispatcher: Dispatcher, started: ContinuousClock.Instant,
        progress: (@Sendable (ReplayProgress) -> Void)?, resume: CheckpointData? = nil,
        sourceNames: [String]? = nil
    ) throws {
        self.options = options
        self.sources = sources
        self.sourceNames = sourceNames ?? sources.map(\.name)
        self.dispatcher = dispatcher
        self.started = started
        self.progress = progress
        shardRecords = Array(repeating: [], count: dispatcher.shardCount)
        lastProgress = started
        lastCheckpoint = started
        if let resume {
            var reader = StateReader(resume.ingest)
            state = try IngestState(from: &reader)
            sequence = resume.sequence
            positions = resume.positions
            checkpointId = resume.id
        } else {
            state = IngestState(time: options.config.time, partitions: sources.count)
            positions = sources.map { _ in InputPosition() }
            checkpointId = 0
        }
    }

    /// Reads every input to its end; a stop request ends it with an `.interrupted` error that says
    /// how many input events had been read.
    mutating func run() async throws {
        do {
            if sources.count == 1 {
                try await runFused()
            } else {
                try await runMerged()
            }
        } catch let error as ConnectorError where error.code == .interrupted {
            var interrupted = error
            interrupted.message += " after \(state.counters.eventsIn) input events"
            throw interrupted
        }
    }

    private mutating func runMerged() async throws {
        let channels = sources.map { _ in BoundedChannel<Result<[InputLine], ConnectorError>>(capacity: 4) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, source) in sources.enumerated() {
                let decoder = InputDecoder(
                    input: source, partition: index, maxEventBytes: options.config.time.maxEventBytes,
                    batchLines: options.batchLines, countsPII: options.config.signals.needsPIICounts,
                    position: positions[index], hashesPrefix: options.checkpointDir != nil, stop: options.stop)
                group.addTask { await decoder.run(into: channels[index]) }
            }
            var merger = InputMerger(channels: channels)
            do {
                while let (line, partition) = try await merger.next(onFinished: { finish($0) }) {
                    if ingest(line, partition: partition) { try await flush(isFinal: false) }
                }
                stepWithoutLine(to: .max)
                try await flush(isFinal: true)
            } catch {
                // A decoder waiting on a full channel would wait for this loop forever (the group awaits
                // its tasks before rethrowing): finishing the channels releases it, and drops what it sends.
                for channel in channels { channel.finish() }
                throw error
            }
            try await group.waitForAll()
        }
    }

    /// A single source partition (a file or a one-partition topic) is read, decoded and ingested on
    /// this one task: each event goes through the ingest steps while its memory is still in this
    /// core's cache, and no batch of decoded lines crosses to another thread.
    private mutating func runFused() async throws {
        let reader = try InputReader(
            sources[0], partition: 0, maxEventBytes: options.config.time.maxEventBytes,
            countsPII: options.config.signals.needsPIICounts, position: positions[0],
            hashesPrefix: options.checkpointDir != nil, stop: options.stop)
        var run: [InputLine] = []
        run.reserveCapacity(Self.runLines)
        var idHashes: [UInt64] = []
        idHashes.reserveCapacity(Self.runLines)
        var more = true
        while more {
            // Never more lines than the batch has room for, so batches end where they would with a decoder task.
            let room = Swift.min(Self.runLines, options.batchLines - linesInBatch)
            more = try reader.read(maxLines: room) { run.append($0) }
            // The de-dup table outgrows the caches: load the run's slots together, then ingest.
            for index in run.indices {
                let hash = IngestState.idHash(of: run[index].decoded)
                idHashes.append(hash)
                touched ^= state.touch(idHash: hash)
            }
            for index in run.indices {
                var line = InputLine.moved
                swap(&line, &run[index])
                _ = ingest(line, partition: 0, idHash: idHashes[index])
            }
            run.removeAll(keepingCapacity: true)
            idHashes.removeAll(keepingCapacity: true)
            if linesInBatch >= options.batchLines { try await flush(isFinal: false) }
        }
        finish(0)
        stepWithoutLine(to: .max)
        try await flush(isFinal: true)
    }

    /// An input's end moves W like an input element of its own, so it takes the next sequence number:
    /// the shards may already have reported the last line's number, and a timer that this step fires
    /// must date its output after everything released so far (else its place would depend on which
    /// shard's output reaches the collector first).
    private mutating func finish(_ partition: Int) {
        if state.finish(partition: partition) { stepWithoutLine(to: state.watermark) }
    }

    private mutating func stepWithoutLine(to watermark: EventTime) {
        sequence += 1
        trail.append(sequence: sequence, watermark: watermark)
    }

    /// Applies the ingest steps to one line; returns true when the batch is full.
    private mutating func ingest(_ line: InputLine, partition: Int, idHash: UInt64? = nil) -> Bool {
        sequence += 1
        positions[partition] = InputPosition(offset: line.endOffset, line: line.position, hash: line.prefixHash)
        let before = state.watermark
        switch state.ingest(line.decoded, partition: partition, idHash: idHash) {
        case .accepted(let event, let watermarkBefore):
            RoutedEvent.route(event, watermarkBefore: watermarkBefore, sequence: sequence, into: &shardRecords)
        case .invalid(let failure):
            sides.append(
                SideOutputs.deadLetter(
                    failure, source: sourceNames[partition], position: line.position, raw: line.raw ?? "",
                    sequence: sequence))
        case .duplicate:
            break
        case .late(let event, let watermark):
            sides.append(
                SideOutputs.lateEvent(
                    event, watermark: watermark, source: sourceNames[partition], sequence: sequence))
        }
        if state.watermark != before { trail.append(sequence: sequence, watermark: state.watermark) }
        linesInBatch += 1
        linesSinceCheckpoint += 1
        return linesInBatch >= options.batchLines
    }

    private mutating func flush(isFinal: Bool) async throws {
        if let signal = options.stop?.stopSignal {
            throw ConnectorError(.interrupted, "interrupted by \(StopSignals.name(of: signal))")
        }
        if !sides.isEmpty {
            await dispatcher.emit(.records(sides))
            sides = []
        }
        let watermark = isFinal ? EventTime.max : state.watermark
        let batches = shardRecords.map {
            ShardBatch(records: $0, watermark: watermark, lastSequence: sequence, trail: trail, isFinal: isFinal)
        }
        for index in shardRecords.indices { shardRecords[index] = [] }
        trail = WatermarkTrail()
        linesInBatch = 0
        try await dispatcher.send(batches)
        reportProgress()
        if !isFinal && options.checkpointDir != nil && checkpointDue() { try await sendBarrier() }
    }

    private mutating func checkpointDue() -> Bool {
        switch options.checkpointInterval {
        case .events(let count):
            return linesSinceCheckpoint >= count
        case .seconds(let seconds):
            return ContinuousClock.now - lastCheckpoint >= .milliseconds(Int64(seconds * 1000))
        }
    }

    /// Sends the ingest's state to the collector, then a barrier to every shard.
    private mutating func sendBarrier() async throws {
        checkpointId += 1
        linesSinceCheckpoint = 0
        lastCheckpoint = ContinuousClock.now
        var writer = StateWriter()
        writer.write(state)
        let barrier = ReplayJob.Barrier(
            id: checkpointId, sequence: sequence, watermark: state.watermark, positions: positions, ingest: writer.bytes
        )
        await dispatcher.emit(.barrier(barrier))
        let batches = shardRecords.map { _ in
            ShardBatch<RoutedEvent>(
                records: [], watermark: state.watermark, lastSequence: sequence, trail: WatermarkTrail(),
                isFinal: false,
                barrier: checkpointId)
        }
        try await dispatcher.send(batches)
    }

    private mutating func reportProgress() {
        guard let progress else { return }
        let now = ContinuousClock.now
        guard now - lastProgress >= .milliseconds(500) else { return }
        lastProgress = now
        progress(
            ReplayProgress(
                eventsIn: state.counters.eventsIn, watermark: state.watermark, elapsedSeconds: (now - started).seconds))
    }
}
