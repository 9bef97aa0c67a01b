/// One message on a shard's input channel: records in arrival order, then the watermark that
/// holds after them. Data and control travel in the same ordered channel.
public struct ShardBatch<Record: Sendable>: Sendable {
    /// Records for this shard, in arrival order.
    public var records: [Record]
    /// The combined watermark after the last input element this batch covers.
    public var watermark: EventTime
    /// Arrival sequence number of the last input element this batch covers (also for shards that
    /// got no record from it).
    public var lastSequence: Int64
    /// Where the watermark moved within the batch, shared by every shard's batch.
    public var trail: WatermarkTrail
    /// The end of the input: the watermark is +infinity and the shard must flush everything.
    public var isFinal: Bool
    /// A checkpoint barrier after this batch: the shard snapshots its state once it has processed it.
    public var barrier: Int64?

    public init(
        records: [Record], watermark: EventTime, lastSequence: Int64, trail: WatermarkTrail, isFinal: Bool,
        barrier: Int64? = nil
    ) {
        self.records = records
        self.watermark = watermark
        self.lastSequence = lastSequence
        self.trail = trail
        self.isFinal = isFinal
        self.barrier = barrier
    }
}

/// The points where the combined watermark moved, as (arrival sequence, new watermark), in order.
///
/// A shard sees only its own records, so it uses the trail to tell after which input element a
/// timer became due: that keeps the order of timer outputs independent of the parallelism.
public struct WatermarkTrail: Sendable {
    public private(set) var sequences: [Int64] = []
    public private(set) var watermarks: [EventTime] = []

    public init() {}

    public mutating func append(sequence: Int64, watermark: EventTime) {
        sequences.append(sequence)
        watermarks.append(watermark)
    }

    public var isEmpty: Bool { sequences.isEmpty }

    /// The sequence number after which the watermark first reached `time`, or nil if it did not
    /// within this trail.
    public func firstSequence(reaching time: EventTime) -> Int64? {
        var low = 0
        var high = watermarks.count
        while low < high {
            let mid = (low + high) / 2
            if watermarks[mid] >= time { high = mid } else { low = mid + 1 }
        }
        return low < watermarks.count ? sequences[low] : nil
    }
}

/// A keyed operator owned by one shard task: it takes a batch and appends its outputs.
/// Implementations are synchronous and never block, await or lock.
public protocol ShardOperator: Sendable {
    associatedtype Input: Sendable
    associatedtype Output: Sendable
    /// Processes `batch`, which the operator may empty: the stage drops it afterwards, so an operator
    /// can take its records instead of copying them.
    mutating func process(_ batch: inout ShardBatch<Input>, into output: inout [Output])
    /// The operator's state at a checkpoint barrier, by key group.
    func snapshot() -> ShardSnapshot
}

extension ShardOperator {
    /// Processes a batch the caller keeps (tests and benchmarks).
    public mutating func process(_ batch: ShardBatch<Input>, into output: inout [Output]) {
        var batch = batch
        process(&batch, into: &output)
    }

    /// Stateless operators have nothing to snapshot.
    public func snapshot() -> ShardSnapshot { ShardSnapshot(operators: [:], watermark: .min) }
}
