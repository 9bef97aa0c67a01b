import FlywheelEngine
import FlywheelSignals

/// What a monitor learns of a checkpoint once it completed (`JobOptions.onCheckpointCompleted`): it is
/// written and every sink committed its part.
///
/// Built off the data path, by the task that writes the checkpoint; the hook runs there too, so it must
/// return quickly (store the value, do not block).
public struct CompletedCheckpoint: Sendable {
    public var id: Int64
    /// The counters (CONTRACT section 5) of everything up to the checkpoint, as `DIR/counters.json`.
    public var counters: SignalCounters
    /// W at the barrier.
    public var watermark: EventTime
    /// Wall-clock time of the barrier's alignment, in milliseconds since 1970.
    public var createdMillis: Int64
    /// From the alignment until every sink committed, in seconds.
    public var seconds: Double
    /// The checkpoint's size as written (0 without storage).
    public var bytes: Int
    /// The state held for the job, encoded: the operators' keyed state plus the ingest's de-dup table.
    public var stateBytes: Int
    /// Per source partition (job order), the position after the last line the checkpoint covers.
    public var positions: [InputPosition]
    /// Each sink's state as the checkpoint holds it (by sink id): what an in-process reader of the sinks'
    /// committed output needs, without reading the checkpoint file back.
    public var sinks: [StateSection]

    public init(
        id: Int64, counters: SignalCounters, watermark: EventTime, createdMillis: Int64, seconds: Double,
        bytes: Int, stateBytes: Int, positions: [InputPosition], sinks: [StateSection] = []
    ) {
        self.id = id
        self.counters = counters
        self.watermark = watermark
        self.createdMillis = createdMillis
        self.seconds = seconds
        self.bytes = bytes
        self.stateBytes = stateBytes
        self.positions = positions
        self.sinks = sinks
    }
}
