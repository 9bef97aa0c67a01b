import FlywheelEngine
import FlywheelSignals

/// The one ingest driver: turns input lines, in arrival order, into the shards' batches and the
/// side outputs (CONTRACT section 2: validate, de-dup, late check, watermark, route by key), and
/// keeps the watermark trail the shards order their timer outputs by.
///
/// It is synchronous and owns no I/O: the job's ingest loop, the benchmarks and the test harnesses
/// all feed it lines and take its batches. Every input element (a line, an input's end, an idle
/// change, an idle advance) takes the next arrival sequence number.
public struct IngestDriver: Sendable {
    public private(set) var state: IngestState
    /// The arrival sequence number of the last input element.
    public private(set) var sequence: Int64
    /// Where each partition resumes: just past the last line taken from it.
    public private(set) var positions: [InputPosition]
    /// Lines taken since the last batch was cut.
    public private(set) var linesInBatch = 0
    /// The `source` of each partition's dead letters and late events.
    private let sourceNames: [String]
    private var shardRecords: [[RoutedEvent]]
    private var trail = WatermarkTrail()
    private var sides: [SignalRecord] = []

    /// A driver for `partitions` source partitions feeding `shards` shards; `resume` restores the
    /// state a checkpoint took with `snapshot()`. `restoredNames`: the source partitions of the run that
    /// took it, when they differ from `sourceNames` (a cluster added or removed): each partition's
    /// watermark and position are carried over by name.
    public init(
        time: PipelineConfig.Time, sourceNames: [String], shards: Int, resume: IngestResume? = nil,
        restoredNames: [String]? = nil
    ) throws(CheckpointError) {
        self.sourceNames = sourceNames
        shardRecords = Array(repeating: [], count: shards)
        if let resume {
            var reader = StateReader(resume.state)
            state = try IngestState(from: &reader)
            sequence = resume.sequence
            positions = resume.positions
            let earlier = restoredNames ?? sourceNames
            guard positions.count == earlier.count, state.watermarks.partitionCount == earlier.count else {
                throw CheckpointError(
                    .incompatible,
                    "the checkpoint read \(positions.count) source partitions, the job has \(earlier.count)")
            }
            if earlier != sourceNames {
                let index = Dictionary(earlier.enumerated().map { ($1, $0) }) { first, _ in first }
                let mapping = sourceNames.map { index[$0] }
                positions = mapping.map { $0.map { resume.positions[$0] } ?? InputPosition() }
                state.remapPartitions(mapping)
            }
        } else {
            state = IngestState(time: time, partitions: sourceNames.count)
            sequence = 0
            positions = sourceNames.map { _ in InputPosition() }
        }
    }

    /// The combined watermark W.
    public var watermark: EventTime { state.watermark }

    /// Applies the ingest steps to one line of `partition`. `idHash` is `IngestState.idHash(of:)`
    /// of the line, when the caller computed it ahead (to touch its de-dup slot early).
    @inline(__always)
    public mutating func ingest(_ line: consuming InputLine, partition: Int, idHash: UInt64? = nil) {
        sequence += 1
        positions[partition] = line.resumePosition
        let before = state.watermark
        // The event is moved along to the shards' batches: a copy would retain it and release it again.
        var decoded = DecodedLine.moved
        swap(&decoded, &line.decoded)
        switch state.ingest(consume decoded, partition: partition, idHash: idHash) {
        case .accepted(let event, let watermarkBefore):
            RoutedEvent.route(event, watermarkBefore: watermarkBefore, sequence: sequence, into: &shardRecords)
        case .invalid(let failure):
            sides.append(
                SideOutputs.deadLetter(
                    failure, source: sourceNames[partition], position: line.position, raw: line.raw,
                    sequence: sequence))
        case .duplicate:
            break
        case .late(let event, let watermark):
            sides.append(
                SideOutputs.lateEvent(event, watermark: watermark, source: sourceNames[partition], sequence: sequence))
        }
        if state.watermark != before { trail.append(sequence: sequence, watermark: state.watermark) }
        linesInBatch += 1
    }

    /// The end of `partition`'s input: it no longer holds W back.
    public mutating func finish(partition: Int) {
        if state.finish(partition: partition) { step(to: state.watermark) }
    }

    /// `partition` went idle or became active again (live sources, CONTRACT section 8).
    public mutating func setIdle(_ idle: Bool, partition: Int) {
        if state.setIdle(idle, partition: partition) { step(to: state.watermark) }
    }

    /// The idle advance: W moves to `time` when that is ahead of it (every partition idle).
    public mutating func advanceIdle(to time: EventTime) {
        if state.advanceIdle(to: time) { step(to: state.watermark) }
    }

    /// The end of every input: W becomes +infinity, which fires every timer.
    public mutating func finishAll() { step(to: .max) }

    /// An element of its own moves W: it takes the next sequence number, so a timer it fires dates
    /// its output after everything released so far (else its place would depend on which shard's
    /// output reaches the collector first).
    private mutating func step(to watermark: EventTime) {
        sequence += 1
        trail.append(sequence: sequence, watermark: watermark)
    }

    /// Whether anything waits to be sent (lines taken, side outputs, or a move of W).
    public var hasPending: Bool { linesInBatch > 0 || !sides.isEmpty || !trail.isEmpty }

    /// Cuts the batch: one `ShardBatch` per shard (carrying `barrier` when given) and the side
    /// outputs to hand the collector before them. `isFinal`: W is +infinity (every input ended).
    public mutating func cut(isFinal: Bool = false, barrier: Int64? = nil) -> IngestBatch {
        let watermark = isFinal ? EventTime.max : state.watermark
        var batches: [ShardBatch<RoutedEvent>] = []
        batches.reserveCapacity(shardRecords.count)
        for index in shardRecords.indices {
            var records: [RoutedEvent] = []
            swap(&records, &shardRecords[index])
            batches.append(
                ShardBatch(
                    records: records, watermark: watermark, lastSequence: sequence, trail: trail, isFinal: isFinal,
                    barrier: barrier))
        }
        var side: [SignalRecord] = []
        swap(&side, &sides)
        trail = WatermarkTrail()
        linesInBatch = 0
        return IngestBatch(sides: side, shards: batches)
    }

    /// The state a checkpoint keeps (cut the batch first: a checkpoint follows a batch).
    public func snapshot() -> IngestResume { frozen().encoded() }

    /// The state a checkpoint keeps, not yet encoded: a copy of value types, taken at once, so the
    /// encoding can happen off the data path (the first change after it copies what it changes).
    public func frozen() -> IngestSnapshot { IngestSnapshot(sequence: sequence, positions: positions, state: state) }
}

/// One cut of the ingest: side outputs first, then a batch for every shard.
public struct IngestBatch: Sendable {
    public var sides: [SignalRecord]
    public var shards: [ShardBatch<RoutedEvent>]
}

/// The ingest driver's state at a checkpoint, before encoding.
public struct IngestSnapshot: Sendable {
    public var sequence: Int64
    public var positions: [InputPosition]
    public var state: IngestState

    /// The bytes a checkpoint stores.
    public func encoded() -> IngestResume {
        var writer = StateWriter()
        writer.write(state)
        return IngestResume(sequence: sequence, positions: positions, state: writer.bytes)
    }
}

/// What the ingest driver keeps in a checkpoint.
public struct IngestResume: Sendable {
    public var sequence: Int64
    public var positions: [InputPosition]
    public var state: [UInt8]

    public init(sequence: Int64, positions: [InputPosition], state: [UInt8]) {
        self.sequence = sequence
        self.positions = positions
        self.state = state
    }
}
