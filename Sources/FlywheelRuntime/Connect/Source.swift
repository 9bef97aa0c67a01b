import FlywheelSignals

/// Where input lines come from: files, a followed file, an embedded-log topic, later Kafka and HTTP.
///
/// A source has a fixed number of partitions, each a watermark partition of its own (CONTRACT
/// section 2). The job opens it once, restoring the state a checkpoint stored under the source's
/// stable id, and reads each partition on a thread of its own: reads may block.
public protocol Source: AnyObject, Sendable {
    /// How many partitions the source has: known once `open` returned (a Kafka source asks its clusters there).
    var partitionCount: Int { get }
    /// False for sources that never end (a followed file, a topic read live).
    var isBounded: Bool { get }
    /// The `source` field of dead letters, late events and pairs from partition `partition`.
    func name(ofPartition partition: Int) -> String
    /// Opens every partition where `state` (what `state(at:)` returned at the checkpoint the job
    /// resumes from) says, or at the start policy when `state` is nil.
    func open(restoring state: [UInt8]?, decoding: DecodeOptions) throws -> [any SourcePartition]
    /// The state a checkpoint stores for this source, when the job has consumed every partition up
    /// to `positions[partition]` (the `resumePosition` of the last line it took from it).
    func state(at positions: [InputPosition]) -> [UInt8]
    /// Called once a checkpoint holding `state` (what `state(at:)` returned for it) is durable, in
    /// checkpoint order, off the data path: e.g. to commit offsets to the system read from, for lag
    /// monitoring. Must not block for long (it delays the next checkpoint). Default: nothing.
    func checkpointCompleted(state: [UInt8])
    /// The partition names of the run that wrote `state`, for a source whose partitions may change
    /// between runs (a kafka source's clusters added or removed): the job then carries each partition's
    /// watermark and position over by name; new partitions start fresh, removed ones are dropped.
    /// nil (the default): the partitions are the ones the source has now.
    func partitionNames(restoring state: [UInt8]) -> [String]?
    /// Why the source must be opened again, or nil: partitions it cannot take while open were added (a kafka
    /// topic grew). A live job asks every tick; on an answer it takes a final checkpoint, closes its sinks
    /// `.stopped` and returns it in `JobResult.reopen`, and its caller (`RunJob`) runs it again from that
    /// checkpoint, as a restart would, without a new process. Must be cheap. Default: nil.
    func reopenRequest() -> String?
}

extension Source {
    public func checkpointCompleted(state: [UInt8]) {}
    public func partitionNames(restoring state: [UInt8]) -> [String]? { nil }
    public func reopenRequest() -> String? { nil }
}

/// How lines are decoded (the pipeline's `max_event_bytes`, whether PII is counted).
public struct DecodeOptions: Sendable {
    public var maxEventBytes: Int
    public var countsPII: Bool
    /// Whether file lines carry `prefixHash` (checkpointed replays fingerprint their inputs).
    public var hashesPrefix: Bool
    /// Where the job's shards hand back the storage of events they are done with, for the decoders
    /// to fill again (see `ChatEventPool`); nil: every event gets new storage.
    public var pool: ChatEventPool?

    public init(maxEventBytes: Int, countsPII: Bool, hashesPrefix: Bool = false, pool: ChatEventPool? = nil) {
        self.maxEventBytes = maxEventBytes
        self.countsPII = countsPII
        self.hashesPrefix = hashesPrefix
        self.pool = pool
    }
}

/// What a partition read returned.
public enum ReadStatus: Sendable, Equatable {
    /// Lines were delivered, or more may be read at once.
    case more
    /// Nothing to read now (an unbounded source caught up): read again later.
    case caughtUp
    /// The partition has ended (bounded sources only).
    case ended
}

/// One partition of an opened source, read by one thread at a time (implementations are
/// `@unchecked Sendable` on that ground).
public protocol SourcePartition: AnyObject, Sendable {
    /// Decodes up to `maxLines` lines available now, handing each to `body` in order.
    func read(maxLines: Int, _ body: (consuming InputLine) -> Void) throws -> ReadStatus
    /// Releases the partition's files; called once, after the last read.
    func close()
}
