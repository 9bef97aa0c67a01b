import Synchronization

/// The id of the newest completed checkpoint, written by the checkpoint writer and read by the ingest.
///
/// A time-triggered checkpoint is not started while the previous one is still being completed (Flink's
/// default of one concurrent checkpoint): when the job's state takes longer to write than the interval, the
/// checkpoints follow one another instead of piling up, each with a snapshot of the whole state.
final class CompletedCheckpoints: Sendable {
    private let newest: Atomic<Int64>

    init(after id: Int64) { newest = Atomic(id) }

    /// The newest checkpoint completed (the resumed one before the first of this run).
    var newestId: Int64 { newest.load(ordering: .acquiring) }

    func completed(_ id: Int64) { newest.store(id, ordering: .releasing) }
}
