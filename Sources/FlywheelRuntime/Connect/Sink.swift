import FlywheelSignals

/// Where released records go: a folder, a topic, standard output, later an HTTP service or Kafka.
///
/// One sink task owns a sink and calls it in this order: `restore` once, then any sequence of
/// `write`, `flush`, `snapshot` and `commit`, then `close` (or nothing, when the job fails). The
/// collector hands records to the sink task through a bounded channel, so a slow sink slows the job
/// instead of growing memory. Methods may block (file I/O) or await (HTTP).
///
/// Exactly-once (a committed file or topic): what `snapshot` returns must let `restore` bring the
/// sink back to exactly what was written before that snapshot; records written after it are written
/// again after a crash, and `restore` must remove whatever of them reached the sink before.
public protocol Sink: AnyObject, Sendable {
    /// Brings the sink back to the state `snapshot` returned at the checkpoint the job resumes from
    /// (removing anything written after it), or prepares a first run (`state` nil).
    func restore(_ state: [UInt8]?) async throws
    /// Records in release order (only the kinds the sink takes). May buffer.
    func write(_ records: [SignalRecord]) async throws
    /// Makes buffered records visible to readers now (the linger expired).
    func flush() async throws
    /// A checkpoint barrier: makes everything written so far durable and returns the state to
    /// restore to. `closing`: the job stops after this checkpoint (a graceful stop), so open files
    /// should be closed and handed to `commit`.
    func snapshot(checkpoint: Int64, closing: Bool) async throws -> [UInt8]
    /// Checkpoint `checkpoint` is durable: publish what its snapshot staged (give rolled files their
    /// final names). Never called for a checkpoint whose write failed.
    func commit(checkpoint: Int64) async throws
    /// The job ended: `.finished` after bounded sources were read to the end and every record was
    /// written (a replay finalizes its files); `.stopped` after the final checkpoint of a graceful stop.
    func close(_ end: JobEnd) async throws
}

/// How a job ended, for `Sink.close`.
public enum JobEnd: Sendable {
    /// Every source ended and every record was written; `summary` is the job's `summary.json`.
    case finished(summary: String)
    /// A graceful stop, after its final checkpoint.
    case stopped
}

extension Sink {
    public func flush() async throws {}
    public func commit(checkpoint: Int64) async throws {}
    public func close(_ end: JobEnd) async throws {}
}
