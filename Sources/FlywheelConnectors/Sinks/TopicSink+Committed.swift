import FlywheelRuntime

extension TopicSink {
    /// The checkpoint folder key under which `flywheel run` keeps the start offsets of its topic sink `sink`
    /// (where the job found its topics before its first checkpoint).
    public static func startKey(sink: String) -> String { "sink-\(sink)-start" }

    /// The committed end offsets of the topic sink `sink` in `checkpoint`: one per partition of its topics, in
    /// the order of the sink's topics (each topic's partitions in turn). Records below them were appended and
    /// synced before the checkpoint was written, and a restart never cuts them back; nil when the checkpoint
    /// holds no state of that sink (or state that is not a topic sink's).
    public static func committedOffsets(in checkpoint: CheckpointData, sink: String) -> [Int64]? {
        committedOffsets(in: checkpoint.sinks, sink: sink)
    }

    /// The same, from the sink states of a checkpoint (`CheckpointData.sinks`, `CompletedCheckpoint.sinks`).
    public static func committedOffsets(in sinks: [StateSection], sink: String) -> [Int64]? {
        guard let state = CheckpointData.section(sink, in: sinks) else { return nil }
        return try? decode(state)
    }
}
