import FlywheelSignals
import Foundation

/// Writes every output record to an embedded-log topic, keyed by its kind (so each kind keeps its
/// file order within one partition).
///
/// Records are staged and appended only by `commit()`; with checkpoints that is when a checkpoint
/// completes, so after a crash the topic is cut back to the committed offsets and the records are
/// produced again: each record reaches the topic exactly once.
final class TopicSink {
    let log: TopicLog
    private var staged: [LogBatch]

    /// Opens topic `name` in `dataDir` for writing. With a checkpoint store, each partition is cut
    /// back to what the resumed checkpoint committed, or, before any checkpoint, to where the job
    /// found it (recorded in the store when the job starts).
    convenience init(dataDir: String, name: String, store: CheckpointStore?, resume: CheckpointData?)
        throws(ConnectorError)
    {
        try self.init(dataDir: dataDir, name: name)
        guard let store else { return }
        if let resume, !resume.topicOffsets.isEmpty {
            try cut(to: resume.topicOffsets)
        } else if let start = store.readOffsets("topic-start") {
            try cut(to: start)
        } else {
            try store.writeOffsets("topic-start", log.partitions.map(\.highWatermark))
        }
    }

    private func cut(to committed: [Int64]) throws(ConnectorError) {
        guard committed.count == log.partitions.count else {
            throw ConnectorError(
                .writeFailed, "output topic has \(log.partitions.count) partitions, the checkpoint \(committed.count)")
        }
        do {
            for (partition, offset) in zip(log.partitions, committed) { try partition.truncate(after: offset - 1) }
        } catch {
            throw ConnectorError(.writeFailed, "cannot cut back the output topic: \(error.message)", cause: error)
        }
    }

    init(dataDir: String, name: String) throws(ConnectorError) {
        do {
            log = try EmbeddedLog(directory: dataDir).open(name)
        } catch {
            throw ConnectorError(error.code, "output topic: \(error.message)", cause: error)
        }
        staged = log.partitions.map { _ in LogBatch() }
    }

    func write(_ record: SignalRecord) {
        let partition = log.partition(forKey: record.kind.name)
        var key = record.kind.name
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        record.line.withUnsafeBytes { bytes in
            let value = UnsafeRawBufferPointer(rebasing: bytes.dropLast())  // without the "\n"
            key.withUTF8 { staged[partition].append(key: UnsafeRawBufferPointer($0), value: value, timestamp: now) }
        }
    }

    /// Appends what is staged (fsynced) and returns each partition's high watermark.
    func commit() throws(ConnectorError) -> [Int64] {
        do {
            for index in staged.indices where !staged[index].isEmpty {
                _ = try log.partitions[index].append(&staged[index])
            }
            return log.partitions.map(\.highWatermark)
        } catch {
            throw ConnectorError(.writeFailed, "cannot append to the output topic: \(error.message)", cause: error)
        }
    }

    func close() { try? log.close() }
}
