import FlywheelEngine
import FlywheelSignals

/// What the ingest sends the collector besides the shards' outputs, in order with them.
public enum JobSide: Sendable {
    /// Side outputs of the ingest (validation dead letters, late events).
    case records([SignalRecord])
    /// The ingest's part of a checkpoint: its state right after the batch the barrier follows.
    case barrier(Barrier)
    /// The live ticker: sinks whose linger has passed flush.
    case tick

    public struct Barrier: Sendable {
        public var id: Int64
        public var watermark: EventTime
        /// Encoded off the data path, when the checkpoint is written.
        public var ingest: IngestSnapshot
        public var sources: [StateSection]
        /// The ingest's counters at the barrier (`events_in` and the verdicts).
        public var counters: SignalCounters
        /// The job stops after this checkpoint (a graceful stop).
        public var closing: Bool
    }
}
